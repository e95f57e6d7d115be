"""The live digit grid: held-out digits with what the model in training reads them as, drawn as one picture
(numpy and Pillow only). Each digit gets a frame, green when the model reads it right and red when wrong, and
the digit it reads underneath; grey frames and '?' before the first reading."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SCALE = 3  # each 28 x 28 digit is drawn 84 x 84
FRAME = 4  # frame width, pixels
LABEL = 30  # height of the strip under each digit that shows what the model reads
GAP = 6
RIGHT, WRONG, UNREAD = (22, 163, 74), (220, 38, 38), (160, 160, 160)  # green, red, grey
MARK = (17, 17, 17)  # the outline of a digit someone watches


def cell_size():
    """`(width, height)` of one digit's cell, frame and label included."""
    side = 28 * SCALE + 2 * FRAME
    return side, side + LABEL


def render_grid(images, labels, predictions=(), columns=10, marked=None):
    """One RGB picture of `images` (each `(28, 28)`, uint8 or floats in [0, 1]) in rows of `columns`.

    Args:
        labels: the true digit of each image.
        predictions: the digit the model reads for each image, or empty before the first reading. An image
            without a label or a reading (lists of other lengths, from a damaged progress log) is drawn unread.

    Returns:
        uint8 array `(height, width, 3)`.
    """
    n = len(images)
    if n == 0:
        return np.full((1, 1, 3), 255, np.uint8)
    rows = -(-n // columns)
    cw, ch = cell_size()
    margin = GAP // 2 if marked is not None else 0  # room for the mark at the picture's edges
    canvas = Image.new(
        "RGB", (columns * cw + (columns - 1) * GAP + 2 * margin, rows * ch + (rows - 1) * GAP + 2 * margin), "white"
    )
    pen = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=LABEL - 6)
    for k, image in enumerate(images):
        x0, y0 = margin + (k % columns) * (cw + GAP), margin + (k // columns) * (ch + GAP)
        pixels = np.asarray(image)
        if pixels.dtype != np.uint8:
            pixels = np.clip(np.round(pixels * 255), 0, 255).astype(np.uint8)
        digit = Image.fromarray(pixels, "L").resize((28 * SCALE, 28 * SCALE), Image.NEAREST)
        read = predictions[k] if k < len(predictions) and k < len(labels) else None
        color = UNREAD if read is None else RIGHT if read == labels[k] else WRONG
        pen.rectangle([x0, y0, x0 + cw - 1, y0 + cw - 1], fill=color)
        canvas.paste(digit.convert("RGB"), (x0 + FRAME, y0 + FRAME))
        text = "?" if read is None else str(read)
        pen.text((x0 + cw / 2, y0 + cw + LABEL / 2), text, fill=color, font=font, anchor="mm")
        if k == marked:
            pen.rectangle(
                [x0 - GAP // 2, y0 - GAP // 2, x0 + cw + GAP // 2 - 1, y0 + ch + GAP // 2 - 1], outline=MARK, width=3
            )
    return np.asarray(canvas)


def thumbnail(image_uint8, scale=SCALE):
    """A `(28, 28)` uint8 digit drawn `scale` times larger with its pixels kept sharp: uint8 `(28 * scale,) * 2`."""
    return np.asarray(Image.fromarray(image_uint8, "L").resize((28 * scale,) * 2, Image.NEAREST))
