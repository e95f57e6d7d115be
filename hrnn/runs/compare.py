"""Comparing training runs from their records: which settings differ, their curves, their results (no
Streamlit).

Every record is read as a `hrnn.runs.store.records.RunRecord`: a run's `record.json`, or the shipped model's
`hrnn_mnist.json`. Records written before a setting existed lack it; they ran with `TrainConfig`'s default, which
`RunRecord.from_json` fills in (a record without `arch` is an HRNN).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from hrnn.runs.store.listing import list_runs
from hrnn.runs.store.reading import MAX_FILE_BYTES, RECORD_NAME, read_json
from hrnn.runs.store.records import RunRecord
from hrnn.train.config import TrainConfig

SHIPPED_KEY = "pretrained"
MAX_COMPARED = 4
# Settings that only say how a run was watched or which images it was checked on, not how it learned.
IGNORED_SETTINGS = ("val_limit", "test_limit")


@dataclass(frozen=True)
class Candidate:
    """A run that can be compared: its key (a run id, or "pretrained"), a label for people, and `read`, which
    returns its `RunRecord` (read only when asked for: a run's full history can be large)."""

    key: str
    label: str
    read: Callable[[], RunRecord]

    @property
    def record(self):
        """The run's `RunRecord`. Raises `RecordError` if it cannot be read."""
        return self.read()


def shipped_record_path(model_path):
    """Where the shipped model's record lies: beside the model file, with `.json` for `.keras`."""
    return Path(model_path).with_suffix(".json")


def read_shipped_record(model_path):
    """The `RunRecord` beside the shipped model at `model_path` (`shipped_record_path`), read as a run's record is.
    Raises `RecordError`."""
    return RunRecord.from_json(read_json(shipped_record_path(model_path), MAX_FILE_BYTES[RECORD_NAME]))


def candidates(runs_root, shipped_model_path, label_of=lambda entry: entry.run_id):
    """The shipped model (when its record is readable) first, then every run with a finished epoch, newest first.

    Runs are chosen from their small summaries (`hrnn.runs.store.listing.list_runs`); a record is read only when a
    candidate's `record` is asked for. Unreadable or hand-damaged runs are left out, never raised."""
    found = []
    try:
        shipped = read_shipped_record(shipped_model_path)
    except ValueError:  # RecordError is one
        shipped = None
    if shipped is not None and shipped.history.epochs:
        found.append(Candidate(SHIPPED_KEY, "Shipped pretrained model", lambda: shipped))
    entries = [e for e in list_runs(runs_root) if e.summary is not None and e.summary.epochs_done > 0]
    labels = [label_of(e) for e in entries]  # the app names them as its model pickers do
    for entry, label in zip(entries, labels):
        if labels.count(label) > 1:  # the same kind, score and minute: the id tells them apart
            label = f"{label} [{entry.run_id}]"
        found.append(Candidate(entry.run_id, label, _record_reader(entry)))
    return found


def _record_reader(entry):
    return entry.read_record


def settings_of(record):
    """The run's settings (a `RunRecord`'s) as `TrainConfig` field -> value."""
    return asdict(record.config or TrainConfig())


def arch_of(record):
    """The architecture a record names ("hrnn" when it names none)."""
    return settings_of(record)["arch"]


def differing_settings(records):
    """The settings on which `records` disagree, in `TrainConfig`'s order: `[(name, [value per record]), ...]`.

    Settings that only bound evaluation (`IGNORED_SETTINGS`) are left out.
    """
    all_settings = [settings_of(r) for r in records]
    names = [n for n in asdict(TrainConfig()) if n not in IGNORED_SETTINGS]
    return [(n, [s[n] for s in all_settings]) for n in names if len({repr(s[n]) for s in all_settings}) > 1]


def samples_per_epoch(record):
    """Training images per epoch: as the record counts them, else (records from before the count) the samples seen
    by a finished run over its epochs, else steps x batch size; None if the record does not say."""
    if record.train_images:
        return record.train_images
    epochs = record.history.epochs
    if record.samples_seen and epochs and record.status == "finished":
        return record.samples_seen / len(epochs)
    return record.steps_per_epoch * settings_of(record)["batch_size"] if record.steps_per_epoch else None


@dataclass(frozen=True)
class Curves:
    """A run's per-epoch curves: `epoch[k]` is the k-th finished epoch (1-based); `samples[k]` images seen by
    then (None where the record does not say); NaN where a value was not measured."""

    epoch: list
    samples: list | None
    loss: list
    accuracy: list
    val_loss: list
    val_accuracy: list


def curves(record):
    """`Curves` from a `RunRecord`'s epoch history."""
    epochs = record.history.epochs
    per_epoch = samples_per_epoch(record)
    nan = float("nan")

    def series(name):
        return [nan if getattr(e, name) is None else float(getattr(e, name)) for e in epochs]

    numbers = [e.epoch for e in epochs]
    return Curves(
        epoch=numbers,
        samples=None if per_epoch is None else [n * per_epoch for n in numbers],
        loss=series("loss"),
        accuracy=series("accuracy"),
        val_loss=series("val_loss"),
        val_accuracy=series("val_accuracy"),
    )


@dataclass(frozen=True)
class RunResults:
    """A run's outcome, as Compare lists it (None where the record does not say); the front ends name each field."""

    arch: str
    status: str
    epochs: int  # finished epochs
    held_out_accuracy: float | None  # the last validated epoch's
    test_accuracy: float | None
    test_images: int | None  # how many test images `test_accuracy` is on
    wall_seconds: float | None
    samples_per_second: float | None


def results(record):
    """A `RunRecord`'s outcome (`RunResults`): epochs done, last held-out accuracy, test accuracy and on how many
    images, wall time, samples/s, status."""
    epochs = record.history.epochs
    held_out = next((e.val_accuracy for e in reversed(epochs) if e.val_accuracy is not None), None)
    return RunResults(
        arch=arch_of(record),
        status=record.status,
        epochs=len(epochs),
        held_out_accuracy=held_out,
        test_accuracy=record.test_accuracy,
        test_images=record.test_images,
        wall_seconds=record.wall_seconds,
        samples_per_second=record.samples_per_second,
    )
