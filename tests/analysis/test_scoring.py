"""A model scored on a test set: chunks with progress, the images of a confusion cell, confident mistakes, top-3."""

import numpy as np

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


class Uniform:
    """Stands in for a Keras model: `predict` gives each image the same probabilities and counts the calls."""

    def __init__(self):
        self.sizes = []

    def predict(self, x, batch_size=None, verbose=0):
        self.sizes.append(len(x))
        assert x.dtype == np.float32 and x.shape[1:] == (28, 28, 1) and x.max() <= 1.0
        return np.tile(np.eye(10)[3], (len(x), 1)).astype(np.float32)


def test_predictions_come_in_chunks_and_report_progress():
    model, seen = Uniform(), []
    images = np.full((25, 28, 28), 255, np.uint8)
    probs = predict_in_chunks(model, images, chunk=10, on_progress=lambda done, total: seen.append((done, total)))
    assert probs.shape == (25, 10) and model.sizes == [10, 10, 5]
    assert seen == [(0, 25), (10, 25), (20, 25), (25, 25)]


def test_score_model_scores_every_image():
    labels = np.array([3, 3, 1, 3])
    s = score_model(Uniform(), np.zeros((4, 28, 28), np.uint8), labels, chunk=3)
    assert s.evaluation.accuracy == 0.75 and s.evaluation.count == 4
    assert s.cell(1, 3).tolist() == [2]
