"""Pictures the tests send: a drawing as the canvas sends it, a drawn 7, a PNG header with no pixels, an upload in each
of Pillow's modes."""

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw


def png_data_url(pixels):
    """`pixels` (an `(H, W, 4)` or `(H, W)` uint8 array) as the canvas sends a drawing: a PNG data URL."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


SIZE = 280  # the app's canvas, px


CLEAR = (0, 0, 0, 0)


WHITE = (255, 255, 255, 255)


BLACK = (0, 0, 0, 255)


def seven(left=40, top=40, height=200, width=22, ink=WHITE, background=CLEAR, size=(SIZE, SIZE)):
    """A '7' (a bar and a diagonal) as an RGBA array `(H, W, 4)` uint8."""
    image = Image.new("RGBA", size, background)
    bar = 0.7 * height
    points = [(left, top), (left + bar, top), (left + 0.3 * bar, top + height)]
    ImageDraw.Draw(image).line(points, fill=ink, width=width, joint="curve")
    return np.asarray(image)


def png_header(width, height):
    """The start of a PNG claiming `width` x `height` 8-bit gray pixels, with no pixel data (a decompression bomb)."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def encoded(image, file_format):
    buffer = io.BytesIO()
    image.save(buffer, format=file_format)
    return buffer.getvalue()


# An upload in each of Pillow's modes, from an 8-bit greyscale picture `gray`: every one reads as that picture does.
UPLOAD_MODES = [
    pytest.param(lambda gray: encoded(Image.fromarray(gray.astype(np.uint16) * 257), "PNG"), id="png-16-bit"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray.astype(np.uint16) * 16), "PNG"), id="png-12-bit-in-16"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray.astype(np.uint16) * 257), "TIFF"), id="tiff-16-bit"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray.astype(np.float32) / 255), "TIFF"), id="tiff-float-0-1"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray.astype(np.float32) * 3 - 99), "TIFF"), id="tiff-float-any"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray.astype(np.int32) * 999), "TIFF"), id="tiff-32-bit"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray).convert("LA"), "PNG"), id="png-grey-alpha"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray).convert("P"), "GIF"), id="gif-palette"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray).convert("RGBA"), "PNG"), id="png-rgba"),
    pytest.param(lambda gray: encoded(Image.fromarray(gray).convert("1"), "PNG"), id="png-1-bit"),
]
