"""What a training run reports: its history (one entry per finished epoch, one value per batch) and its report
(status, timings, results). The run's folder keeps them as its record (`hrnn.runs.store.records.RunRecord` extends
`TrainReport`); the loop itself writes nothing."""

import time
from dataclasses import asdict, dataclass, field

from hrnn import schema
from hrnn.train.config import TrainConfig


@dataclass(frozen=True)
class EpochEntry:
    """One finished epoch: its number (1-based), the training loss and accuracy over it, the validation loss and
    accuracy after it (None without validation), and its wall time in seconds."""

    epoch: int
    loss: float
    accuracy: float
    val_loss: float | None = None
    val_accuracy: float | None = None
    seconds: float | None = None

    @classmethod
    def from_json(cls, values):
        """An entry from parsed JSON (older entries lack the validation fields). Raises `schema.SchemaError`."""
        return schema.from_json(cls, values, "epoch")

    def to_json(self):
        return asdict(self)


@dataclass
class BatchHistory:
    """Each batch's own values, in order: `step` is the global step (1-based)."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


@dataclass
class History:
    """What a run learned: one entry per finished epoch, one value per batch."""

    epochs: list[EpochEntry] = field(default_factory=list)
    batches: BatchHistory = field(default_factory=BatchHistory)


def utc_now():
    """The time now as the records write it, to the microsecond (the queue's order): `2026-01-31T12:00:00.250000Z`."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"


@dataclass
class TrainReport:
    """What the training loop knows of its run, kept up to date while it trains (`hrnn.train.loop.train`)."""

    status: str = "running"  # running | finished | stopped | failed (a run folder adds queued)
    config: TrainConfig | None = None
    data: str | None = None  # what it trains and validates on, in words
    data_kind: str | None = None  # which MNIST (`hrnn.data.mnist_files.DataKind`); records before it: None
    started: str | None = None  # UTC time training began (after any wait in the queue)
    finished: str | None = None
    pid: int | None = None  # the training process's, for people: liveness never rests on it
    history: History = field(default_factory=History)
    steps_per_epoch: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    kernel: str | None = None  # the row reader's path, "native" or "tensorflow"; baselines and older records: None
    wall_seconds: float | None = None
    first_batch_seconds: float | None = None  # from the start of training to the end of the first batch
    samples_seen: int | None = None
    samples_per_second: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    test_images: int | None = None  # test images the final score read
    train_images: int | None = None  # images it trained on (per epoch)
    val_images: int | None = None  # held-out images each validation read (None without validation)
    partial_epoch_batches: int | None = None  # batches of the epoch it stopped inside, 0 if none (set at its end)
    message: str | None = None  # records before `partial_epoch_batches`: how it ended, in words (`hrnn.words`)
    error: str | None = None  # why it failed
