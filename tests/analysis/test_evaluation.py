"""Scores from probabilities: loss, accuracy, per-class accuracy, confusion matrix."""

import numpy as np
import pytest

from hrnn.analysis.evaluation import normalise_rows, score


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


def test_confusion_and_per_class_accuracy_of_a_hand_computed_ten_digit_case():
    # 3 zeros (one read as 6), 2 ones (both right), 4 sevens (two read as 1, one as 9), one 9 (read right).
    labels = np.array([0, 0, 0, 1, 1, 7, 7, 7, 7, 9])
    predicted = np.array([0, 0, 6, 1, 1, 7, 1, 1, 9, 9])
    result = score(np.eye(10)[predicted], labels)
    expected = np.zeros((10, 10), int)
    for t, p, n in [(0, 0, 2), (0, 6, 1), (1, 1, 2), (7, 7, 1), (7, 1, 2), (7, 9, 1), (9, 9, 1)]:
        expected[t, p] = n
    assert result.confusion == expected.tolist()
    assert result.accuracy == 0.6
    per_class = result.per_class_accuracy
    assert per_class[0] == 2 / 3 and per_class[1] == 1.0 and per_class[7] == 0.25 and per_class[9] == 1.0
    assert all(np.isnan(per_class[d]) for d in (2, 3, 4, 5, 6, 8))


def test_row_normalised_confusion():
    shares = normalise_rows([[2, 0, 2], [0, 0, 0], [1, 3, 0]])
    np.testing.assert_allclose(shares, [[0.5, 0, 0.5], [0, 0, 0], [0.25, 0.75, 0]])
