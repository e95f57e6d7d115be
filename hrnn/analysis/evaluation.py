"""Scoring a model on labelled images: loss, accuracy, per-class accuracy, confusion matrix (numpy only)."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    """Scores on `count` images."""

    count: int
    loss: float  # mean cross-entropy, nats
    accuracy: float
    per_class_accuracy: list  # accuracy on the images of each true class (NaN where a class has none)
    confusion: list  # confusion[true][predicted] = count

    def to_dict(self):
        return {
            "count": self.count,
            "loss": self.loss,
            "accuracy": self.accuracy,
            "per_class_accuracy": [None if np.isnan(a) else a for a in self.per_class_accuracy],
            "confusion": self.confusion,
        }

    def format_text(self):
        """A human-readable report: totals, per-class accuracy and the confusion matrix."""
        lines = [
            f"test images: {self.count:,}",
            f"test loss:     {self.loss:.4f}",
            f"test accuracy: {self.accuracy:.4f}",
            "",
            "per-class accuracy:",
            "  "
            + "  ".join(
                f"{k}: {a:.4f}" if not np.isnan(a) else f"{k}: -" for k, a in enumerate(self.per_class_accuracy)
            ),
            "",
            "confusion matrix (rows: true digit, columns: predicted):",
            "      " + "".join(f"{k:>6}" for k in range(len(self.confusion))),
        ]
        lines += [f"{k:>6}" + "".join(f"{v:>6}" for v in row) for k, row in enumerate(self.confusion)]
        return "\n".join(lines)


def score(probs, labels):
    """Score predicted probabilities `(N, classes)` against integer labels `(N,)`.

    Raises:
        ValueError: if the shapes disagree, there are no images, or a label has no class among the probabilities.
    """
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if probs.ndim != 2 or labels.shape != (probs.shape[0],) or len(labels) == 0:
        raise ValueError(f"need probabilities (N, classes) and labels (N,), got {probs.shape} and {labels.shape}")
    classes = probs.shape[1]
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels run from {labels.min()} to {labels.max()}, but there are {classes} classes")
    predicted = probs.argmax(axis=1)
    picked = np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1.0)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(totals > 0, np.diag(confusion) / totals, np.nan)
    return Evaluation(
        count=int(len(labels)),
        loss=float(-np.log(picked).mean()),
        accuracy=float((predicted == labels).mean()),
        per_class_accuracy=[float(a) for a in per_class],
        confusion=confusion.tolist(),
    )


def normalise_rows(confusion):
    """The confusion matrix with each row divided by its total: `[true][predicted]` -> the share of the images of
    digit `true` read as `predicted`. `(classes, classes)` floats; a row without images stays all zero."""
    confusion = np.asarray(confusion, dtype=np.float64)
    totals = confusion.sum(axis=1, keepdims=True)
    return np.divide(confusion, totals, out=np.zeros_like(confusion), where=totals > 0)
