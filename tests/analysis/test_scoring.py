"""A model scored on a test set: chunks with progress, the images of a confusion cell, confident mistakes, top-3."""

import numpy as np
import pytest

from hrnn.analysis.evaluation import score
from hrnn.analysis.scoring import Scores, predict_in_chunks, score_model


def scores_of(probs, labels):
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels)
    return Scores(probs, labels, score(probs, labels))


# Five images, three classes: image 1 is a 1 read as 0 (p 0.7), image 3 a 2 read as 0 (p 0.9), image 4 a 1 read
# as 0 (p 0.5); images 0 and 2 are read right.
PROBS = [[0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.9, 0.05, 0.05], [0.5, 0.3, 0.2]]
LABELS = [0, 1, 2, 2, 1]


def test_a_cell_holds_exactly_its_images_most_confident_first():
    s = scores_of(PROBS, LABELS)
    assert s.cell(1, 0).tolist() == [1, 4]
    assert s.cell(2, 0).tolist() == [3]
    assert s.cell(0, 0).tolist() == [0]
    assert s.cell(0, 1).tolist() == []
    assert all(len(s.cell(t, p)) == s.evaluation.confusion[t][p] for t in range(3) for p in range(3))


def test_confident_mistakes_are_the_wrong_ones_surest_first():
    s = scores_of(PROBS, LABELS)
    assert s.confident_mistakes().tolist() == [3, 1, 4]
    assert s.confident_mistakes(n=2).tolist() == [3, 1]


def test_top_three_probabilities():
    assert scores_of(PROBS, LABELS).top(4) == [(0, 0.5), (1, 0.3), (2, 0.2)]


def says_three():
    """A Keras model that reads every image as a 3 (probability 1 up to float precision)."""
    import keras

    inputs = keras.Input((28, 28, 1))
    bias = keras.initializers.Constant(np.eye(10)[3] * 50)
    dense = keras.layers.Dense(10, "softmax", kernel_initializer="zeros", bias_initializer=bias)
    return keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))


@pytest.fixture
def batch_sizes(monkeypatch):
    """The sizes of the batches handed to the model, in order (each checked to be the model's input)."""
    import hrnn.nn.probe

    sizes, real = [], hrnn.nn.probe.predict_batch

    def counted(model, images, **kwargs):
        sizes.append(len(images))
        assert images.dtype == np.float32 and images.shape[1:] == (28, 28, 1) and images.max() <= 1.0
        return real(model, images, **kwargs)

    monkeypatch.setattr(hrnn.nn.probe, "predict_batch", counted)
    return sizes


def test_predictions_come_in_chunks_and_report_progress(batch_sizes):
    seen = []
    images = np.full((25, 28, 28), 255, np.uint8)
    probs = predict_in_chunks(
        says_three(), images, chunk=10, on_progress=lambda done, total: seen.append((done, total))
    )
    assert probs.shape == (25, 10) and batch_sizes == [10, 10, 5]
    assert (probs.argmax(axis=1) == 3).all()
    assert seen == [(0, 25), (10, 25), (20, 25), (25, 25)]


def test_score_model_scores_every_image(batch_sizes):
    labels = np.array([3, 3, 1, 3])
    s = score_model(says_three(), np.zeros((4, 28, 28), np.uint8), labels, chunk=3)
    assert batch_sizes == [3, 1]
    assert s.evaluation.accuracy == 0.75 and s.evaluation.count == 4
    assert s.cell(1, 3).tolist() == [2]
