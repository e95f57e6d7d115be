"""Row importance: blanking the row the answer depends on moves the answer most."""

import numpy as np
import pytest

from hrnn.analysis.importance import blank_each_row, row_importance


def bar_reader(images):
    """A stand-in classifier: digit d's evidence is the mean brightness of row 3 + 2d (as in tests' make_mnist)."""
    images = np.asarray(images, dtype=np.float64)
    logits = 8.0 * np.stack([images[:, 3 + 2 * d].mean(axis=1) for d in range(10)], axis=1)  # (N, 10)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


@pytest.fixture
def image():
    """A digit 4 for `bar_reader`: row 11 is bright; faint ink everywhere else."""
    image = np.full((28, 28), 0.1, np.float32)
    image[11] = 1.0
    return image


def test_blank_each_row_blanks_exactly_one_row_per_copy(image):
    copies = blank_each_row(image)
    assert copies.shape == (28, 28, 28)
    for r in range(28):
        assert not copies[r, r].any()
        np.testing.assert_array_equal(np.delete(copies[r], r, axis=0), np.delete(image, r, axis=0))


def test_the_row_the_label_depends_on_gets_the_largest_bar(image):
    importance = row_importance(bar_reader, image)
    assert importance.digit == 4
    assert int(np.argmax(importance.drop)) == 11
    assert importance.drop[11] > 0.5
    assert importance.probability == pytest.approx(bar_reader(image[None])[0, 4])


def test_all_28_blanked_images_go_through_one_call(image):
    calls = []

    def counting(images):
        calls.append(len(images))
        return bar_reader(images)

    row_importance(counting, image)
    assert calls == [29]  # the intact image and its 28 blanked copies, in one batch


def test_blank_rows_change_nothing(image):
    image[20] = 0.0
    importance = row_importance(bar_reader, image, digit=4)
    assert importance.drop[20] == 0.0 and importance.blanked[20] == importance.probability


def test_a_row_that_argues_for_another_digit_has_a_negative_bar(image):
    image[5] = 0.6  # evidence for 1 (row 3 + 2)
    importance = row_importance(bar_reader, image, digit=4)
    assert importance.drop[5] < 0 < importance.drop[11]
