"""A model scored on a whole test set, and the galleries drawn from it: the images of one confusion-matrix cell, the
most confident mistakes, each image's top probabilities.

`score_model` predicts in chunks and reports its progress, so a front end can show a bar while it runs (the HRNN
takes several seconds for MNIST's 10,000 test images on two CPU cores). Nothing here touches Streamlit.
"""

from dataclasses import dataclass

import numpy as np

from hrnn.analysis.evaluation import Evaluation, score
from hrnn.data.splits import to_model_input

CHUNK = 1000  # images per predict call: small enough for a smooth progress bar, large enough to batch well
MISTAKES_SHOWN = 24


@dataclass(frozen=True)
class Scores:
    """A model's probabilities for every test image, with the scores they give."""

    probs: np.ndarray  # (N, classes) the model's output for each image
    labels: np.ndarray  # (N,) true digits
    evaluation: Evaluation  # loss, accuracy, per-class accuracy, confusion matrix

    @property
    def predicted(self):
        """`(N,)` the predicted digit of each image."""
        return self.probs.argmax(axis=1)

    @property
    def confidence(self):
        """`(N,)` the probability of each image's predicted digit."""
        return self.probs.max(axis=1)

    def cell(self, true, predicted):
        """Indices of the images with true digit `true` read as `predicted`, most confident first: `(k,)`.

        Their number is `evaluation.confusion[true][predicted]`.
        """
        idx = np.flatnonzero((self.labels == true) & (self.predicted == predicted))
        return idx[np.argsort(-self.confidence[idx], kind="stable")]

    def confident_mistakes(self, n=MISTAKES_SHOWN):
        """Indices of the `n` wrong predictions with the highest probability, most confident first: `(<= n,)`."""
        wrong = np.flatnonzero(self.predicted != self.labels)
        return wrong[np.argsort(-self.confidence[wrong], kind="stable")][:n]

    def top(self, index, k=3):
        """The `k` most probable digits for image `index`: `[(digit, probability), ...]`, most probable first."""
        order = np.argsort(-self.probs[index], kind="stable")[:k]
        return [(int(d), float(self.probs[index, d])) for d in order]


def predict_in_chunks(model, images, chunk=CHUNK, on_progress=None):
    """Class probabilities `(N, classes)` for uint8 images `(N, 28, 28)`, `chunk` images per call.

    `on_progress(done, total)` is called after each chunk (and once with `done=0` before the first).
    """
    from hrnn.nn.probe import predict_batch  # Keras is imported only when a model is actually run

    images = np.asarray(images)
    total = len(images)
    if on_progress is not None:
        on_progress(0, total)
    parts = []
    for start in range(0, total, chunk):
        parts.append(np.asarray(predict_batch(model, to_model_input(images[start : start + chunk]))))
        if on_progress is not None:
            on_progress(min(start + chunk, total), total)
    return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)


def score_model(model, images, labels, chunk=CHUNK, on_progress=None):
    """`Scores` of `model` on uint8 images `(N, 28, 28)` with integer `labels` `(N,)`.

    Raises:
        ValueError: if there are no images or the labels do not match them (see `hrnn.analysis.evaluation.score`).
    """
    labels = np.asarray(labels).astype(np.int64)
    probs = predict_in_chunks(model, images, chunk, on_progress)
    return Scores(probs, labels, score(probs, labels))
