"""Comparing training runs from their records: which settings differ, their curves, their results (no
Streamlit).

A record is a run's `record.json` as a dict (`hrnn.runs.RunRecord.to_json`), or the shipped model's
`hrnn_mnist.json`. Records written before a setting existed lack it; they ran with `TrainConfig`'s default, so that
is what they are compared with (a record without `arch` is an HRNN).
"""

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from hrnn import runs
from hrnn.config import TrainConfig

SHIPPED_KEY = "pretrained"
MAX_COMPARED = 4
# Settings that only say how a run was watched or which images it was checked on, not how it learned.
IGNORED_SETTINGS = ("val_limit", "test_limit")


@dataclass(frozen=True)
class Candidate:
    """A run that can be compared: its key (a run id, or "pretrained"), a label for people, and `read`, which
    returns its record as a dict (read only when asked for: a run's full history can be large)."""

    key: str
    label: str
    read: Callable[[], dict]

    @property
    def record(self):
        """The run's record (a dict, in `record.json`'s shape). Raises `runs.RecordError` if it cannot be read."""
        return self.read()


def shipped_record_path(model_path):
    """Where the shipped model's record lies: beside the model file, with `.json` for `.keras`."""
    return Path(model_path).with_suffix(".json")


def candidates(runs_root, shipped_model_path):
    """The shipped model (when its record is readable) first, then every run with a finished epoch, newest first.

    Runs are chosen from their small summaries (`hrnn.runs.list_runs`); a record is read only when a candidate's
    `record` is asked for. Unreadable or hand-damaged runs are left out, never raised."""
    found = []
    try:
        shipped = json.loads(shipped_record_path(shipped_model_path).read_text())
    except (OSError, ValueError):
        shipped = None
    if _usable(shipped):
        found.append(Candidate(SHIPPED_KEY, "Shipped pretrained model", lambda: shipped))
    entries = [e for e in runs.list_runs(runs_root) if e.summary is not None and e.summary.epochs_done > 0]
    labels = [e.label() for e in entries]  # as the model pickers name them: "quick demo 97.1% (Nov 29 08:33)"
    for entry, label in zip(entries, labels):
        if labels.count(label) > 1:  # the same kind, score and minute: the id tells them apart
            label = f"{label} [{entry.run_id}]"
        found.append(Candidate(entry.run_id, label, _record_reader(entry)))
    return found


def _record_reader(entry):
    return lambda: entry.read_record().to_json()


def _usable(record):
    """True for a record (a dict) with a config (or none) and at least one epoch entry (each a dict)."""
    if not isinstance(record, dict) or not isinstance(record.get("config", {}), dict):
        return False
    history = record.get("history")
    epochs = history.get("epochs") if isinstance(history, dict) else None
    return isinstance(epochs, list) and len(epochs) > 0 and all(isinstance(e, dict) for e in epochs)


def settings_of(record):
    """The run's settings as `TrainConfig` field -> value, with the defaults filled in for fields it lacks."""
    settings = asdict(TrainConfig())
    config = record.get("config")
    if isinstance(config, dict):
        settings.update({k: v for k, v in config.items() if k in settings})
    return settings


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
    """Training images per epoch: from the samples seen, else steps x batch size, else the data description;
    None if the record does not say."""
    epochs = record.get("history", {}).get("epochs", [])
    seen = record.get("samples_seen")
    if isinstance(seen, int) and seen > 0 and epochs and record.get("status") == "finished":
        return seen / len(epochs)
    match = re.search(r"training on ([\d,]+) images", str(record.get("data", "")))
    if match:
        return int(match.group(1).replace(",", ""))
    steps, batch = record.get("steps_per_epoch"), settings_of(record)["batch_size"]
    return steps * batch if isinstance(steps, int) else None


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
    """`Curves` from a record's epoch history."""
    epochs = record.get("history", {}).get("epochs", [])
    per_epoch = samples_per_epoch(record)
    nan = float("nan")

    def series(key):
        return [float(e[key]) if isinstance(e.get(key), (int, float)) else nan for e in epochs]

    numbers = [int(e.get("epoch", k + 1)) for k, e in enumerate(epochs)]
    return Curves(
        epoch=numbers,
        samples=None if per_epoch is None else [n * per_epoch for n in numbers],
        loss=series("loss"),
        accuracy=series("accuracy"),
        val_loss=series("val_loss"),
        val_accuracy=series("val_accuracy"),
    )


def results(record):
    """A run's outcome: epochs done, last held-out accuracy, test accuracy and on how many images, wall time,
    samples/s, status (None where the record does not say)."""
    epochs = record.get("history", {}).get("epochs", [])
    held_out = next((e["val_accuracy"] for e in reversed(epochs) if "val_accuracy" in e), None)
    return {
        "arch": arch_of(record),
        "status": record.get("status"),
        "epochs": len(epochs),
        "held-out accuracy": held_out,
        "test accuracy": record.get("test_accuracy"),
        "test images": record.get("test_images"),
        "wall time, s": record.get("wall_seconds"),
        "samples/s": record.get("samples_per_second"),
    }
