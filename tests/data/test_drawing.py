"""decode_drawing: the canvas's message (a PNG data URL) gives the drawing's pixels, and anything else one line."""

import base64

import numpy as np
import pytest

from hrnn.data.drawing import MAX_DRAWING_CHARS, MAX_DRAWING_SIDE, decode_drawing
from hrnn.data.preprocess import canvas_to_mnist
from tests.support.pictures import png_data_url, png_header, seven


def test_a_drawing_comes_back_pixel_for_pixel():
    drawing = seven()  # (280, 280, 4): white strokes on a transparent canvas, as the canvas draws them
    pixels = decode_drawing(png_data_url(drawing))
    assert pixels.dtype == np.uint8 and pixels.shape == (280, 280, 4)
    np.testing.assert_array_equal(pixels, drawing)
    np.testing.assert_array_equal(canvas_to_mnist(pixels), canvas_to_mnist(drawing))


def test_a_png_in_another_mode_comes_back_as_rgba():
    gray = seven()[:, :, 3]  # (280, 280) white on black
    pixels = decode_drawing(png_data_url(gray))
    assert pixels.shape == (280, 280, 4)
    np.testing.assert_array_equal(pixels[:, :, 0], gray)
    assert (pixels[:, :, 3] == 255).all()


def _url(png):
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


NOT_DRAWINGS = [  # (message, words its error says)
    (None, "arrived as NoneType"),
    (b"data:image/png;base64,", "arrived as bytes"),
    ({"drawing": "x"}, "arrived as dict"),
    ("", "not a PNG data URL"),
    ("data:image/jpeg;base64,/9j/4AAQ", "not a PNG data URL (it starts 'data:image/jpeg"),
    ("data:image/png;base64,not base64!", "not valid base64"),
    ("data:image/png;base64,", "not a PNG image"),
    (_url(b"GIF89a" + bytes(40)), "not a PNG image"),
    (_url(png_header(MAX_DRAWING_SIDE + 1, 10)), f"{MAX_DRAWING_SIDE + 1} x 10 pixels"),
    (_url(png_header(100_000, 100_000)), "100000 x 100000 pixels"),  # a bomb: refused before decoding
    (_url(png_header(0, 280)), "0 x 280 pixels"),
    (_url(png_header(280, 280)), "could not be decoded"),  # a header and no pixels
    ("data:image/png;base64," + "A" * MAX_DRAWING_CHARS, f"the most is {MAX_DRAWING_CHARS:,}"),
]


@pytest.mark.parametrize("message, words", NOT_DRAWINGS, ids=[words for _, words in NOT_DRAWINGS])
def test_anything_but_a_drawing_gives_one_line(message, words):
    with pytest.raises(ValueError, match="^[^\n]+$") as error:
        decode_drawing(message)
    assert words in str(error.value)


def test_a_drawing_cut_short_gives_one_line():
    prefix, data = png_data_url(seven()).split(",")
    with pytest.raises(ValueError, match="could not be decoded"):
        decode_drawing(f"{prefix},{data[: len(data) // 8 * 4]}")  # still valid base64: half a PNG
