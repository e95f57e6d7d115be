"""Snapshots of a model while it trains: what it reads the twenty grid digits as, and the image reader's memory for
each of them, at about `SNAPSHOTS_PER_RUN` moments of a run (every `snapshot_every(total_steps)` batches), at each
epoch's end and at the end.

The tracker (`hrnn.train.tracker`) takes them and hands each to a sink (the run's worker keeps them in the run
folder: `hrnn.runs.store.snapshots`); this module knows nothing of files. A snapshot costs one compiled call of the
row reader and the image reader's recurrence on the twenty digits (`hrnn.nn.memory`); the probabilities
come from the classifier's weights applied to the last hidden state, so no second call of the model is needed.
"""

from dataclasses import dataclass

import numpy as np

from hrnn.nn.memory import LstmMemory, image_reader_memory

SNAPSHOTS_PER_RUN = 100  # about how many scheduled snapshots a run keeps (plus one per epoch end and one at the end)


def snapshot_every(total_steps, per_run=None):
    """How many batches apart the scheduled snapshots are: `max(1, total_steps // per_run)`, `per_run` being
    `SNAPSHOTS_PER_RUN` unless given."""
    return max(1, total_steps // (per_run or SNAPSHOTS_PER_RUN))


@dataclass(frozen=True)
class Snapshot:
    """The model at one moment of training, read on the grid digits."""

    step: int  # batches trained on so far (the global step)
    samples_seen: int  # images trained on so far
    seconds: float  # since the run started
    full: bool  # the run's end: worth keeping the cell state and gates too, and h in float16
    labels: tuple  # (digits,) the digits' true labels
    probs: np.ndarray  # (digits, classes) float32, the model's probabilities
    memory: LstmMemory  # the image reader's h, c and gates after each row, each (digits, 28, image_units)


def _softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def take_snapshot(model, images, labels, step, samples_seen, seconds, full):
    """Read `model` (an HRNN) on `images` `(digits, 28, 28, 1)` (their true digits `labels`) now.

    Returns:
        `Snapshot`: `probs (digits, classes)` and the image reader's memory `(digits, 28, image_units)` per array.

    Raises:
        ModelFileError: for a model that is not an HRNN; ValueError: for images of another shape.
    """
    memory = image_reader_memory(model, images)
    classifier = model.get_layer("classifier")
    kernel, bias = (w.numpy() for w in (classifier.kernel, classifier.bias))  # (image_units, classes), (classes,)
    probs = _softmax(memory.hidden[:, -1].astype(np.float64) @ kernel + bias).astype(np.float32)
    return Snapshot(
        step=int(step),
        samples_seen=int(samples_seen),
        seconds=float(seconds),
        full=bool(full),
        labels=tuple(int(v) for v in labels),
        probs=probs,
        memory=memory,
    )
