"""Lesson links on Inside the network: the address names the input (a test digit or a drawing) and the rows erased,
a new session opens the same view, the page writes what it shows back, and a bad value is one line, ignored."""

import re

import numpy as np

from hrnn.ui.lesson_link import decode_drawing, encode_drawing
from tests.app.test_app import page, shown
from tests.conftest import make_mnist


def _open(**params):
    at = page("inside_page")
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def _rows(at):
    (widget,) = [m for m in at.multiselect if m.key.startswith("what_if_rows_")]
    return widget


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
]


def test_a_bad_value_in_a_link_is_one_line_and_the_page_works():
    for params, reason in BAD_LINKS:  # one new session each (in one test: the page's caches are warm)
        at = _open(**params)
        assert not at.exception, params
        notes = [shown(c.value) for c in at.caption if "link was ignored" in shown(c.value)]
        assert len(notes) == 1 and reason in notes[0] and "\n" not in notes[0], notes
        assert at.text[0].value.startswith("Input: ")  # the page shows a digit all the same


def test_a_drawing_is_784_pixels_in_1048_characters_and_back():
    image = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
    text = encode_drawing(image)
    assert len(text) == 1048 and text.isascii() and "/" not in text and "+" not in text  # safe in an address
    np.testing.assert_allclose(decode_drawing(text), image, atol=0.5 / 255)
