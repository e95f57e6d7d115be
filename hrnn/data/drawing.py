"""The Draw page's canvas message -> the drawing's pixels, for `canvas_to_mnist` (numpy and Pillow only).

On pen-up the canvas (hrnn/ui/draw/canvas/draw.js) sends the whole drawing as a PNG data URL: white strokes on a
transparent background, `data:image/png;base64,...`. The message comes from the browser, so it is checked before
anything is decoded: its length, its envelope, the base64, and the picture's size as the PNG header states it.
"""

import base64
import binascii
import io
import struct

import numpy as np
from PIL import Image

PNG_DATA_URL = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The canvas sends 280 x 280 pixels (5 to 30 kB of text for a digit). A picture up to this side is decoded in a few
# milliseconds; the length limit lets through any PNG of that size, even one of pure noise.
MAX_DRAWING_SIDE = 1024  # px
MAX_DRAWING_CHARS = 6_000_000


def decode_drawing(data_url):
    """The pixels of a drawing that the canvas sent.

    Args:
        data_url: the canvas's message, `data:image/png;base64,<PNG>`.

    Returns:
        `(H, W, 4)` uint8 RGBA, as `canvas_to_mnist` takes it (the canvas's: `(280, 280, 4)`, ink in the alpha
        channel).

    Raises:
        ValueError: with a one-line message, if the message is not a str, too long, not a PNG data URL, not valid
            base64, not a PNG, larger than `MAX_DRAWING_SIDE` on a side, empty, or corrupt.
    """
    if not isinstance(data_url, str):
        raise ValueError(f"the drawing arrived as {type(data_url).__name__}, not as a PNG data URL")
    if len(data_url) > MAX_DRAWING_CHARS:
        raise ValueError(f"the drawing is {len(data_url):,} characters long; the most is {MAX_DRAWING_CHARS:,}")
    if not data_url.startswith(PNG_DATA_URL):
        raise ValueError(f"the drawing is not a PNG data URL (it starts {data_url[:24]!r})")
    try:
        png = base64.b64decode(data_url[len(PNG_DATA_URL) :], validate=True)
    except binascii.Error:
        raise ValueError("the drawing's data is not valid base64") from None
    width, height = _png_size(png)
    if not (0 < width <= MAX_DRAWING_SIDE and 0 < height <= MAX_DRAWING_SIDE):
        raise ValueError(f"the drawing is {width} x {height} pixels; each side must be 1 to {MAX_DRAWING_SIDE}")
    try:
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            return np.asarray(image.convert("RGBA"))
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):  # how Pillow says that a PNG is corrupt
        raise ValueError("the drawing's PNG could not be decoded (corrupt or cut short)") from None


def _png_size(png):
    """`(width, height)` from a PNG's header (its first chunk, IHDR), read before any decoding: a small file may
    claim a huge picture. ValueError if `png` does not start as a PNG does."""
    if len(png) < 24 or not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("the drawing's data is not a PNG image")
    return struct.unpack(">II", png[16:24])
