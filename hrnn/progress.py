"""The progress of a training run as any front end reads it: `Progress` (thread-safe, written by the training
loop) and the `ProgressSnapshot`s it hands out."""

import threading
from dataclasses import dataclass, field, fields

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
    batch_steps: list = field(default_factory=list)  # global step (1-based) of each batch
    batch_loss: list = field(default_factory=list)  # that batch's own mean loss
    batch_accuracy: list = field(default_factory=list)  # that batch's own accuracy
    epoch_history: list = field(default_factory=list)  # dicts: epoch, loss, accuracy, val_loss, val_accuracy, seconds
    # The live digit grid: fixed held-out digits and what the model being trained reads them as.
    grid_images: list = field(default_factory=list)  # (28, 28) uint8 arrays, 2 per digit
    grid_labels: list = field(default_factory=list)  # their true digits
    grid_predictions: list = field(default_factory=list)  # the live model's digit for each (empty before batch 1)
    grid_confidences: list = field(default_factory=list)  # its probability for that digit
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


class Progress:
    """Thread-safe progress of one run: the training thread writes, any other thread reads snapshots."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = ProgressSnapshot()

    def update(self, **values):
        with self._lock:
            for key, value in values.items():
                setattr(self._state, key, value)

    def add_batch(self, step, loss, accuracy):
        with self._lock:
            self._state.batch_steps.append(step)
            self._state.batch_loss.append(loss)
            self._state.batch_accuracy.append(accuracy)

    def add_epoch(self, entry):
        with self._lock:
            self._state.epoch_history.append(dict(entry))

    def snapshot(self):
        """A copy that later updates do not change."""
        with self._lock:
            s = self._state
            copied = {name: list(getattr(s, name)) for name in _LISTS}
            copied["epoch_history"] = [dict(e) for e in s.epoch_history]
            rest = {f.name: getattr(s, f.name) for f in fields(s) if f.name not in copied}
            return ProgressSnapshot(**rest, **copied)
