"""Scores from probabilities: loss, accuracy, per-class accuracy, confusion matrix."""

import numpy as np
import pytest

from hrnn.evaluation import score


def test_scores_of_a_hand_made_example():
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.3, 0.1], [0.0, 0.0, 1.0]])
    labels = np.array([0, 1, 1, 2])
    result = score(probs, labels)
    assert result.count == 4
    assert result.accuracy == 0.75
    assert result.loss == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.3, 1.0])))
    assert result.confusion == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert result.per_class_accuracy == [1.0, 0.5, 1.0]


def test_a_class_without_images_has_no_accuracy():
    result = score(np.eye(3)[[0, 0]], np.array([0, 0]))
    assert np.isnan(result.per_class_accuracy[1])
    assert result.to_dict()["per_class_accuracy"] == [1.0, None, None]


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="need probabilities"):
        score(np.ones((3, 10)), np.zeros(4, int))


def test_labels_beyond_the_classes_are_refused_not_an_index_error():
    with pytest.raises(ValueError, match="labels run from 0 to 9, but there are 5 classes"):
        score(np.full((10, 5), 0.2), np.arange(10))
