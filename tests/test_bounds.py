"""The one reader of bounded numbers from text (`hrnn.bounds`), which the settings, the command line, the environment
variables and the lesson links all use."""

import pytest

from hrnn.bounds import Bounds, not_one_of, number, one_of, refusal, whole_number


@pytest.mark.parametrize("text, value", [("7", 7), (" 12 ", 12), ("-3", -3), ("0", 0), ("4294967295", 2**32 - 1)])
def test_a_whole_number_is_ascii_digits_with_an_optional_minus(text, value):
    assert whole_number(text) == value


@pytest.mark.parametrize("text", ["", "1_000", "+5", "²", "٣", "1.0", "1e3", "0x10", "--1", "- 1", "9" * 40, None])
def test_anything_else_is_not_a_whole_number(text):
    assert whole_number(text) is None


def test_a_whole_number_outside_its_bounds_is_refused():
    assert whole_number("10", Bounds(1, 10)) == 10
    assert whole_number("11", Bounds(1, 10)) is None
    assert whole_number("0", Bounds(1, 10)) is None
    assert whole_number("0", Bounds(0, low_open=True)) is None


@pytest.mark.parametrize("text, value", [("0.003", 0.003), ("1e-3", 1e-3), (" -2 ", -2.0), ("10", 10.0)])
def test_a_number_is_what_float_reads(text, value):
    assert number(text) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999", "٣", "fast", "", "1" * 40])
def test_a_number_is_finite_short_and_ascii(text):
    assert number(text) is None


def test_open_bounds_refuse_the_bound_itself():
    assert number("10", Bounds(0, 10, low_open=True, high_open=True)) is None
    assert number("0", Bounds(0, 10, low_open=True)) is None
    assert number("9.5", Bounds(0, 10, low_open=True, high_open=True)) == 9.5


def test_bools_and_nan_are_in_no_bounds():
    assert not Bounds().contains(True)
    assert not Bounds().contains(float("nan"))
    assert not Bounds().contains("3")


@pytest.mark.parametrize(
    "kind, bounds, value, line",
    [
        (int, Bounds(1), 0, "epochs must be a positive integer, got 0"),
        (int, Bounds(0), -1, "epochs must be 0 or a positive integer, got -1"),
        (int, Bounds(0, 2**32 - 1), "x", "epochs must be an integer from 0 to 4,294,967,295, got 'x'"),
        (int, Bounds(1, 1000, why="too many"), 5000, "epochs must be at most 1,000 (too many), got 5,000"),
        (int, Bounds(1, 1000, why="too many"), 0, "epochs must be a positive integer, got 0"),
        (float, Bounds(0, 1e6, low_open=True), -1.0, "epochs must be a number between 0 and 1,000,000, got -1.0"),
        (float, Bounds(0, low_open=True), 0.0, "epochs must be a positive number, got 0.0"),
    ],
)
def test_a_refusal_says_what_was_expected_in_one_line(kind, bounds, value, line):
    assert refusal("epochs", value, kind, bounds) == line


def test_one_of_refuses_other_words_in_one_wording():
    assert one_of("adam", ("rmsprop", "adam"), "optimizer") == "adam"
    with pytest.raises(ValueError, match=r"^optimizer must be one of rmsprop, adam, got 'adagrad'$"):
        one_of("adagrad", ("rmsprop", "adam"), "optimizer")
    assert not_one_of("view", "<script>", ("compare",)) == "view must be compare, got '<script>'"
