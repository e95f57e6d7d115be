"""The values of a lesson link (hrnn.ui.common.lesson_link): whole numbers and row lists are ASCII digits only. Python's
`str.isdigit` also says yes to superscripts and circled digits, which `int` refuses, and `int` reads other scripts'
digits: each is one LinkValueError, never a ValueError that crashes the page."""

import pytest

from hrnn.ui.common.lesson_link import LinkValueError, row_list, whole_number

NOT_ASCII_DIGITS = ["²", "⑨", "1²", "١", "٣", "߃", "𝟗", "５", "¹²", "⁰"]


@pytest.mark.parametrize("text", NOT_ASCII_DIGITS)
def test_a_whole_number_is_ascii_digits_only(text):
    with pytest.raises(LinkValueError, match=r"^test digits are 0 to 59, got "):
        whole_number(text, 0, 59, "test digits")


@pytest.mark.parametrize("text", [*NOT_ASCII_DIGITS, "3,²", "²,3"])
def test_a_row_list_is_ascii_digits_only(text):
    with pytest.raises(LinkValueError, match=r"^rows to erase are 1 to 28, got "):
        row_list(text, "rows to erase")


def test_ascii_digits_still_read():
    assert whole_number(" 12 ", 0, 59, "test digits") == 12 and row_list("9, 3,3") == [3, 9]
