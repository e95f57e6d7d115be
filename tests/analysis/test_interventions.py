"""What if: erasing rows, and the fewest rows whose erasure changes the answer, against a hand-made model."""

import numpy as np
import pytest

from hrnn.analysis.interventions import erase_rows, smallest_flip


def test_erasing_rows_blanks_exactly_those_rows_of_a_copy():
    image = np.full((28, 28), 0.5, np.float32)
    edited = erase_rows(image, [0, 27, 27])
    assert not edited[[0, 27]].any() and (edited[1:27] == 0.5).all()
    assert (image == 0.5).all()  # the input itself is untouched
    with pytest.raises(ValueError, match="rows are 0 to 27"):
        erase_rows(image, [28])


class CountingModel:
    """Reads a 1 while rows 5 and 6 both hold ink, else a 7; counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, batch):
        self.calls += 1
        one = np.array([image[5].any() and image[6].any() for image in batch])
        probs = np.zeros((len(batch), 10))
        probs[one, 1], probs[~one, 7] = 0.9, 0.9
        probs[one, 7], probs[~one, 1] = 0.1, 0.1
        return probs


def test_the_fewest_rows_are_taken_in_order_of_importance_in_one_call():
    image = np.zeros((28, 28), np.float32)
    image[3:10, 14] = 1.0  # ink in rows 3 to 9
    drop = np.zeros(28)
    drop[[3, 4, 6]] = [0.5, 0.4, 0.3]  # row 6 matters, but rows 3 and 4 are tried first
    model = CountingModel()
    flip = smallest_flip(model, image, drop)
    assert flip.rows == (3, 4, 6) and flip.digit == 7 and model.calls == 1
    assert flip.probabilities[7] == pytest.approx(0.9)


def test_no_flip_when_erasing_every_inked_row_changes_nothing():
    image = np.zeros((28, 28), np.float32)
    image[20, :] = 1.0  # rows 5 and 6 blank: a 7 however much is erased
    assert smallest_flip(CountingModel(), image, np.linspace(1, 0, 28)) is None
    assert smallest_flip(CountingModel(), np.zeros((28, 28), np.float32), np.zeros(28)) is None  # nothing to erase
