"""Lesson links on Inside the network: the address names the input (a test digit or a drawing) and the experiment
(rows erased, a unit held, rows transplanted), a new session opens the same view, the page writes what it shows
back, and a bad value is one line, ignored."""

import re

import numpy as np
import pytest

from hrnn.ui.inside.link import decode_drawing, encode_drawing
from tests.support.app import page, shown
from tests.support.data import make_mnist


def _open(**params):
    at = page("inside")
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def _widget(widgets, prefix):
    (widget,) = [w for w in widgets if w.key.startswith(prefix)]
    return widget


def _rows(at):
    return _widget(at.pills, "what_if_rows_")


def _said(at):
    (line,) = [m.value for m in at.markdown if m.value.startswith("With ")]
    return line


def test_a_link_opens_its_test_digit_with_its_rows_erased_and_the_address_follows_changes():
    at = _open(digit="5", erase="3,4")
    assert not at.exception
    assert re.match(r"Input: test image 5 \(true label \d\)\.", at.text[0].value), at.text[0].value
    assert _rows(at).value == [3, 4]
    assert any(m.value.startswith("With 2 rows erased it reads") for m in at.markdown)
    assert (at.query_params["digit"], at.query_params["erase"]) == ("5", "3,4")
    _rows(at).set_value([3, 4, 9]).run()  # the page's own changes are written, never overridden by the old link
    assert not at.exception and _rows(at).value == [3, 4, 9] and at.query_params["erase"] == "3,4,9"
    _rows(at).set_value([1]).run()
    assert _rows(at).value == [1] and at.query_params["erase"] == "1"


def test_a_link_opens_a_held_unit_and_a_transplant_and_the_address_follows_them():
    at = _open(digit="5", what_if="hold", hold="image,3,10,-0.5")
    assert not at.exception
    assert at.segmented_control(key="what_if_kind").value == "hold"
    assert _widget(at.selectbox, "what_if_unit_").value == 3 and _widget(at.slider, "what_if_value_").value == -0.5
    assert _widget(at.slider, "what_if_start_").value == 10
    assert _said(at).startswith("With unit 3 of the image reader held at -0.50 from row 10 on it reads")
    _widget(at.slider, "what_if_start_").set_value(12).run()
    assert at.query_params["hold"] == "image,3,12,-0.5" and "erase" not in at.query_params

    at = _open(digit="5", what_if="transplant", donor="7", moved="3,4")
    assert not at.exception and at.segmented_control(key="what_if_kind").value == "transplant"
    assert _widget(at.pills, "what_if_moved_").value == [3, 4]
    assert _said(at).startswith("With rows 3 and 4 taken from test digit 7 (a")
    at.button(key="what_if_reset").click().run()
    assert "donor" not in at.query_params and "moved" not in at.query_params
    assert at.query_params["what_if"] == "transplant" and at.query_params["digit"] == "5"


def test_a_drawing_travels_in_the_link():
    image = make_mnist().x_test[7].astype(np.float32) / 255.0
    at = _open(drawing=encode_drawing(image))
    assert not at.exception
    assert at.text[0].value.startswith("Input: a drawing from the link.")
    np.testing.assert_allclose(at.session_state["input"]["image"], image, atol=0.5 / 255)


BAD_LINKS = [
    ({"digit": "abc"}, "test digits are 0 to 59, got 'abc'"),
    ({"digit": "99999"}, "test digits are 0 to 59, got '99999'"),
    ({"digit": "5", "erase": "0,99"}, "rows to erase are 1 to 28, got '0,99'"),
    ({"drawing": "!!not base64!!"}, "the drawing in the address is not base64"),
    ({"drawing": encode_drawing(np.zeros((28, 28)))[:-8]}, "pixels, not 784"),
    ({"digit": "[x](http://evil.example) **b**"}, "test digits are 0 to 59"),
    ({"digit": "5", "what_if": "explode"}, "what_if must be one of erase, hold, transplant, got 'explode'"),
    ({"digit": "5", "hold": "brain,1,1,0"}, "a unit to hold is reader,unit,from row,value"),
    ({"digit": "5", "hold": "image,999,1,0"}, "the image reader's units are 0 to 7, got '999'"),
    ({"digit": "5", "hold": "row,1,1,1e308"}, "a held value is -1 to 1, got '1e308'"),
    ({"digit": "5", "donor": "1" * 400}, "test digits are 0 to 59, got '1111"),
    ({"digit": "5", "moved": "../../etc/passwd"}, "rows to transplant are 1 to 28"),
]


def test_a_bad_value_in_a_link_is_one_line_and_the_page_works():
    for params, reason in BAD_LINKS:  # one new session each (in one test: the page's caches are warm)
        at = _open(**params)
        assert not at.exception, params
        notes = [shown(c.value) for c in at.caption if "link was ignored" in shown(c.value)]
        assert len(notes) == 1 and reason in notes[0] and "\n" not in notes[0], notes
        assert at.text[0].value.startswith("Input: ")  # the page shows a digit all the same


# Digits `str.isdigit` accepts and `int` refuses (tests/ui/test_lesson_link.py has the whole table).
UNICODE_DIGIT_LINKS = [
    ({"digit": "²"}, "test digits are 0 to 59, got '²'"),
    ({"digit": "⑨"}, "test digits are 0 to 59, got '⑨'"),
    ({"digit": "5", "erase": "²"}, "rows to erase are 1 to 28, got '²'"),
    ({"digit": "5", "hold": "image,²,1,0.5"}, "the image reader's units are 0 to 7, got '²'"),
    ({"digit": "5", "donor": "²"}, "test digits are 0 to 59, got '²'"),
    ({"digit": "5", "moved": "²"}, "rows to transplant are 1 to 28, got '²'"),
]


@pytest.mark.parametrize("params, reason", UNICODE_DIGIT_LINKS)
def test_a_unicode_digit_in_a_link_is_one_line_and_the_page_works(params, reason):
    at = _open(**params)
    assert not at.exception, at.exception
    notes = [shown(c.value) for c in at.caption if "link was ignored" in shown(c.value)]
    assert len(notes) == 1 and reason in notes[0] and "\n" not in notes[0], notes


def test_a_drawing_is_784_pixels_in_1048_characters_and_back():
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
    text = encode_drawing(image)
    assert len(text) == 1048 and text.isascii() and "/" not in text and "+" not in text  # safe in an address
    np.testing.assert_allclose(decode_drawing(text), image, atol=0.5 / 255)
