"""The cursor's sentence says what the row changed; the rival is the digit that came closest to winning."""

import numpy as np
import pytest

from hrnn.analysis.narration import Change, closest_call, first_ink_row, ink_columns, main_rival, read_row
from hrnn.ui.inside.narration import describe_ink, describe_row, percent


def beliefs(leaders):
    """`(28, 10)` step probabilities where digit `leaders[t]` has 0.7 after row t + 1 and the rest share 0.3."""
    probs = np.full((len(leaders), 10), 0.3 / 9)
    probs[np.arange(len(leaders)), leaders] = 0.7
    return probs


@pytest.fixture
def image():
    image = np.zeros((28, 28), np.float32)
    image[6:24, 9:19] = 1.0  # ink in rows 7 to 24, columns 10 to 19
    return image


def test_a_switch_is_told_with_both_digits_and_the_row(image):
    probs = beliefs([1] * 14 + [3] + [2] * 13)
    probs[14, 3], probs[14, 2] = 0.62, 0.3
    text = describe_row(image, probs, 16)
    assert text.startswith("After row 15 the network thinks 3 (62%); row 16 (ink in columns 10 to 19)")
    assert "makes it switch to 2 (70%, runner-up" in text


def test_blank_top_rows_say_there_is_nothing_to_go_on(image):
    text = describe_row(image, beliefs([1] * 28), 4)
    assert text.startswith("Rows 1 to 4 are blank") and "guess is 1 (70%" in text
    assert describe_row(image, beliefs([1] * 28), 1).startswith("Row 1 is blank")


def test_a_steady_leader_changes_little_and_the_last_row_is_the_final_answer(image):
    text = describe_row(image, beliefs([7] * 28), 28)
    assert "row 28 (blank) changes little: 7" in text and text.endswith("That is its final answer.")


def test_growing_confidence_is_surer():
    image = np.ones((28, 28), np.float32)
    probs = beliefs([5] * 28)
    probs[9, 5] = 0.9
    assert "makes it surer: 5 (90%" in describe_row(image, probs, 10)
    assert "makes it less sure: 5 (70%" in describe_row(image, probs, 11)


def test_row_outside_the_image_is_refused(image):
    with pytest.raises(ValueError, match="between 1 and 28"):
        describe_row(image, beliefs([0] * 28), 0)


def test_the_rival_is_the_other_digit_with_the_highest_peak():
    probs = beliefs([1] * 5 + [3] * 10 + [2] * 13)
    probs[9, 3] = 0.8  # 3 came closest to winning
    probs[20, 8] = 0.75  # high, but never as high
    assert main_rival(probs) == (2, 3)


def test_the_guesses_over_blank_top_rows_are_no_rival(image):
    probs = beliefs([4] * 6 + [1] * 22)  # 4 leads over rows 1 to 6, all blank (the ink starts at row 7)
    probs[10, 9] = 0.5  # while the ink is read, 9 comes closest
    assert first_ink_row(image) == 6
    assert main_rival(probs) == (1, 4)  # without the image every row counts
    assert main_rival(probs, image) == (1, 9)
    assert first_ink_row(np.zeros((28, 28))) is None


def test_the_closest_call_is_the_input_read_right_whose_wrong_guess_came_nearest_to_winning(image):
    steady = beliefs([2] * 28)  # read right, no doubt
    switch = beliefs([2] * 28)
    switch[8:14] = beliefs([5] * 6)  # 5 led for six inked rows
    wrong = beliefs([3] * 28)  # the closest call of all, but read wrong: never shown as the example
    blank_guess = beliefs([2] * 28)
    blank_guess[0:4] = beliefs([8] * 4) * 1.3  # a higher wrong peak, over blank rows only: not a reading
    batch = np.stack([steady, switch, wrong, blank_guess])
    images = np.stack([image] * 4)
    assert closest_call(batch, [2, 2, 2, 2], images) == 1
    assert closest_call(batch[[2]], [2], images[:1]) == 0  # none read right


def test_percent_never_rounds_to_certainty():
    assert [percent(p) for p in (0.001, 0.623, 0.9996)] == ["<1%", "62%", ">99%"]


def test_ink_is_described_by_its_columns():
    row = np.zeros(28)
    assert ink_columns(row) is None and describe_ink(ink_columns(row)) == "blank"
    row[[4, 9]] = 1.0
    assert ink_columns(row) == (5, 10) and describe_ink(ink_columns(row)) == "ink in columns 5 to 10"
    row[[9]] = 0.0
    assert describe_ink(ink_columns(row)) == "ink in column 5"


def test_a_row_reading_is_numbers_the_words_are_made_from(image):
    probs = beliefs([1] * 14 + [3] + [2] * 13)
    reading = read_row(image, probs, 16)
    assert reading.change == Change.SWITCH and (reading.previous, reading.leader) == (3, 2)
    assert reading.ink == (10, 19) and reading.rows == 28
    assert read_row(image, probs, 3).change == Change.NOTHING_YET and read_row(image, probs, 1).previous is None
