"""The progress of a training run as any front end reads it: `Progress` (thread-safe, written by the training
loop) and the `ProgressSnapshot`s it hands out.

Every change to a `Progress` is one event, a small dict: `{"u": {field: value}}` for an update,
`{"b": [step, loss, accuracy], "u": {...}}` for a batch, `{"e": {epoch entry}, "u": {...}}` for an epoch. A
`Progress` built with a `sink` hands each event to it as it happens (the worker appends them to the run's progress
log, `hrnn.runs.store.progress_log`), and `apply` replays one: a reader that applies a run's events in order holds the
same state as the worker that wrote them.
"""

import math
import threading
from dataclasses import dataclass, field, fields

from hrnn.train.history import EpochEntry

PHASES = ("starting", "training", "validating", "testing", "saving", "done")


@dataclass
class ProgressSnapshot:
    """A consistent copy of a run's progress at one moment."""

    status: str = "starting"  # starting | running | finished | stopped | failed
    phase: str = "starting"  # one of PHASES: what the run is doing right now
    epoch: int = 0  # current epoch, 1-based
    epochs: int = 0
    step: int = 0  # batches done in the current epoch
    steps_per_epoch: int = 0
    samples_seen: int = 0
    samples_total: int = 0
    samples_per_second: float = 0.0  # over the last few seconds
    eta_seconds: float | None = None  # to the end of the run: training, validation, test and saving
    elapsed_seconds: float = 0.0
    first_batch_seconds: float | None = None  # from start to the end of the first batch
    batch_steps: list[int] = field(default_factory=list)  # global step (1-based) of each batch
    batch_loss: list[float] = field(default_factory=list)  # that batch's own mean loss
    batch_accuracy: list[float] = field(default_factory=list)  # that batch's own accuracy
    epoch_history: list[EpochEntry] = field(default_factory=list)  # `EpochEntry`s, one per finished epoch
    # The live digit grid: fixed held-out digits and what the model being trained reads them as.
    grid_images: list = field(default_factory=list)  # (28, 28) uint8 arrays, 2 per digit
    grid_labels: list[int] = field(default_factory=list)  # their true digits
    grid_predictions: list[int] = field(default_factory=list)  # the live model's digit for each (empty before batch 1)
    grid_confidences: list[float] = field(default_factory=list)  # its probability for that digit
    grid_samples: int = 0  # images seen when the grid was last read
    message: str = ""  # error text or a final summary

    @property
    def grid_correct(self):
        """How many grid digits the live model reads right."""
        return sum(int(p == t) for p, t in zip(self.grid_predictions, self.grid_labels))


_LISTS = (
    "batch_steps",
    "batch_loss",
    "batch_accuracy",
    "grid_images",
    "grid_labels",
    "grid_predictions",
    "grid_confidences",
)


_FIELDS = frozenset(f.name for f in fields(ProgressSnapshot))


class Progress:
    """Thread-safe progress of one run: the training loop writes, any other thread reads snapshots.

    Args:
        sink: a callable given each change as an event dict (see the module docstring), or None.
    """

    def __init__(self, sink=None):
        self._lock = threading.Lock()
        self._state = ProgressSnapshot()
        self._sink = sink

    def update(self, **values):
        """Set fields of the snapshot (any of `ProgressSnapshot`'s scalar and list fields)."""
        self.apply({"u": values})

    def add_batch(self, global_step, loss, accuracy, /, **values):
        """One finished batch: its global step, its own loss and accuracy, and fields to update with it."""
        self.apply({"b": [global_step, loss, accuracy], "u": values})

    def add_epoch(self, entry, /, **values):
        """One finished epoch's `EpochEntry`."""
        self.apply({"e": entry.to_json(), "u": values})

    def apply(self, event):
        """Apply one event, then hand it to the sink. Fields that `ProgressSnapshot` does not have are ignored
        (a log written by a newer version)."""
        with self._lock:
            state = self._state
            if "b" in event:
                step, loss, accuracy = event["b"]
                state.batch_steps.append(step)
                state.batch_loss.append(loss)
                state.batch_accuracy.append(accuracy)
            if "e" in event:
                state.epoch_history.append(EpochEntry.from_json(event["e"]))
            for key, value in event.get("u", {}).items():
                if key in _FIELDS:
                    setattr(state, key, value)
            if self._sink is not None:
                self._sink(event)

    def snapshot(self):
        """A copy that later updates do not change."""
        with self._lock:
            s = self._state
            copied = {name: list(getattr(s, name)) for name in _LISTS}
            copied["epoch_history"] = list(s.epoch_history)  # entries are frozen
            rest = {f.name: getattr(s, f.name) for f in fields(s) if f.name not in copied}
            return ProgressSnapshot(**rest, **copied)


def snapshot_from_record(record):
    """A `ProgressSnapshot` rebuilt from a `RunRecord`, to draw the curves of a run that has no progress log."""
    history = record.history
    steps, epochs = history.batches.step, history.epochs
    planned = record.config.epochs if record.config else max(len(epochs), 1)
    steps_per_epoch = record.steps_per_epoch or (math.ceil(len(steps) / max(len(epochs), 1)) if steps else 1)
    return ProgressSnapshot(
        status=record.status,
        phase="done",
        epoch=len(epochs),
        epochs=planned,
        steps_per_epoch=steps_per_epoch,
        samples_seen=record.samples_seen or 0,
        batch_steps=list(steps),
        batch_loss=list(history.batches.loss),
        batch_accuracy=list(history.batches.accuracy),
        epoch_history=list(epochs),
        elapsed_seconds=record.wall_seconds or 0.0,
        first_batch_seconds=record.first_batch_seconds,
        message=record.error or record.message or "",
    )
