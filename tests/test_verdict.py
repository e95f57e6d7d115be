"""Results in plain words (hrnn.verdict)."""

from hrnn.verdict import reading_verdict


def test_a_reading_is_right_or_wrong_with_the_true_label():
    assert reading_verdict(7, 7) == "Right: it is a 7"
    assert reading_verdict(4, 9) == "Wrong: it is a 4, read as 9"
