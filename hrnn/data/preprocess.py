"""Drawings and uploaded pictures -> 28 x 28 digits made the way MNIST's were made.

MNIST's digits were size-normalised to fit a 20 x 20 box (keeping the aspect ratio, anti-aliased), then placed in a
28 x 28 field so that their centre of mass sits at the field's centre; white ink on black, 0..255. A model trained on
MNIST expects exactly that, so `canvas_to_mnist` repeats those steps on whatever the user drew:

1. take the ink: on a transparent background (the Draw page canvas's drawing) the alpha channel, whatever the stroke
   colour; on an opaque background the luminance contrast with the background, read from the border;
2. crop to the ink's bounding box;
3. scale the longer side to 20 px (area averaging when shrinking), then stretch the result so its strokes reach 1;
4. paste it into 28 x 28 with its centre of mass on pixel (14, 14), as MNIST's digits have it.

A drawing with too little ink to be a digit (nothing, a few stray pixels, a dot) comes back all zeros, and `is_blank`
says so; the app then asks for a digit instead of guessing.
"""

import io
import struct
import warnings

import numpy as np
from PIL import Image, ImageOps

MNIST_SIZE = 28  # the output field, px
BOX_SIZE = 20  # MNIST's size normalisation: the digit's longer side, px
CENTRE = 14.0  # where MNIST's centres of mass sit (row and column index; measured on the test set: 13.5..14.5)
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601 weights, as Pillow's convert("L")

# Ink and blankness. Fractions are of the input's longer side (or area), so a 280 px canvas, a 28 px MNIST image and
# a phone photo are judged alike.
INK_THRESHOLD = 0.1  # ink below this does not count towards the bounding box (anti-aliasing fringes, paper noise)
MIN_CONTRAST = 0.15  # an opaque picture whose strongest contrast with its background is weaker than this is empty
MIN_INK_FRACTION = 1e-4  # less total ink than this share of the picture is stray pixels (8 px on a 280 px canvas)
MIN_EXTENT_FRACTION = 0.04  # ink spanning less than this is a speck (11 px on a 280 px canvas)
DOT_EXTENT_FRACTION = 0.1  # a compact blob smaller than this (28 px on a 280 px canvas) is a dot, e.g. one pen tap
DOT_MIN_ASPECT = 0.5  # "compact": the shorter side is at least this share of the longer one ...
DOT_MIN_FILL = 0.6  # ... and the ink covers at least this share of its box (a disc covers 0.79, a digit much less)
STROKE_PERCENTILE = 95  # the 20 px digit is stretched so this percentile of its inked pixels is full ink
MIN_INK = 5.0  # is_blank's default: total ink of a 28 x 28 image, in full-ink pixels (MNIST's least is 22)

# Uploads
MAX_UPLOAD_PIXELS = 40_000_000  # larger images are refused before they are decoded (decompression bombs)
WORK_SIDE = 1024  # uploads are shrunk to this longer side first: the digit ends up 20 px tall anyway


def canvas_to_mnist(rgba):
    """Turn a drawing into an MNIST-style digit.

    Args:
        rgba: the drawing as an array: `(H, W, 4)` RGBA (the Draw page canvas's drawing, 280 x 280, as
            `hrnn.data.drawing.decode_drawing` returns it), `(H, W, 3)` RGB or `(H, W)` grayscale. Integers are read
            as 0..255 (0..65535 if any value is above 255); floats as 0..1, or as 0..255 if any value is above 1. Ink
            may be any colour on a transparent background, dark on a light background, or light on a dark one.

    Returns:
        `(28, 28)` float32 in [0, 1]: white ink (1) on black (0), the digit's longer side 20 px, its centre of mass
        on pixel (14, 14). All zeros if there is too little ink to be a digit (see the module constants); check with
        `is_blank`.

    Raises:
        ValueError: if `rgba` is not an image array (wrong number of dimensions or channels, empty, not numbers,
            negative, out of range or non-finite values).
    """
    ink = _ink_map(_unit_pixels(rgba))  # (H, W) in [0, 1]
    digit = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    rows, cols = np.nonzero(ink > INK_THRESHOLD)
    if rows.size == 0:
        return digit
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]  # (h, w): the ink's bounding box
    if _too_little_ink(crop, max(ink.shape), ink.size):
        return digit
    box = _fit_box(crop)  # (h, w), longer side BOX_SIZE
    h, w = box.shape
    total = box.sum()
    centre_row = box.sum(axis=1) @ np.arange(h) / total
    centre_col = box.sum(axis=0) @ np.arange(w) / total
    # MNIST shifted by whole pixels; the shift that lands the centre of mass nearest CENTRE, kept inside the field.
    top = int(np.clip(np.floor(CENTRE + 0.5 - centre_row), 0, MNIST_SIZE - h))
    left = int(np.clip(np.floor(CENTRE + 0.5 - centre_col), 0, MNIST_SIZE - w))
    digit[top : top + h, left : left + w] = box
    return digit


def is_blank(image, min_ink=MIN_INK):
    """Whether a 28 x 28 digit has too little ink to be worth classifying.

    Args:
        image: `(28, 28)` (any 2-D size works) float in [0, 1], white ink on black, e.g. from `canvas_to_mnist`.
        min_ink: the least total ink, in full-ink pixels (the sum of the values), that counts as a digit.

    Returns:
        True if the image holds less ink than `min_ink` (all zeros, as `canvas_to_mnist` returns for an empty canvas,
        a dot or stray pixels, always is).

    Raises:
        ValueError: if `image` is not a 2-D array of finite numbers.
    """
    values = np.asarray(image, dtype=np.float64)
    if values.ndim != 2 or not np.isfinite(values).all():
        raise ValueError(f"expected a 2-D image of finite numbers, got an array of shape {values.shape}")
    return float(values.sum()) < min_ink


def image_to_mnist(image):
    """Turn a picture (an upload, a photo of a digit on paper) into an MNIST-style digit.

    Args:
        image: a `PIL.Image.Image` in any common mode (1, L, P, RGB, RGBA, LA, CMYK, I;16, I, F ...). EXIF
            rotation is applied, so phone photos come out upright. Only the first frame of an animation is used.

    Returns:
        `(28, 28)` float32 in [0, 1], as `canvas_to_mnist` (which it calls) returns.

    Raises:
        ValueError: if the image's mode cannot be converted to RGB, or the image is empty.
    """
    image = ImageOps.exif_transpose(image)
    try:
        image = _standard_mode(image)
    except ValueError as exc:  # Pillow's "conversion not supported" for exotic modes
        raise ValueError(f"this image's colour format ({image.mode}) is not supported; save it as PNG or JPEG") from exc
    width, height = image.size
    if max(width, height) > WORK_SIDE:
        factor = WORK_SIDE / max(width, height)
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        image = image.resize(size, Image.Resampling.BOX)  # Pillow premultiplies alpha for RGBA, so edges stay clean
    return canvas_to_mnist(np.asarray(image))


def upload_picture(data):
    """Read an uploaded image file as a picture to show and to read: 8-bit greyscale, RGB or RGBA (`_standard_mode`),
    EXIF rotation applied, the first frame of an animation.

    Args:
        data: the file's bytes (PNG, JPEG, BMP, GIF, WebP, TIFF ... anything Pillow reads, whatever its name says).

    Returns:
        A `PIL.Image.Image` of mode L, RGB or RGBA, 8 bits a channel: a preview can encode it as JPEG or PNG.

    Raises:
        ValueError: with a one-line message, if the bytes are empty, not a picture Pillow can read, corrupt or
            truncated, the image has more than `MAX_UPLOAD_PIXELS` pixels, or its colour format is not supported.
        TypeError: if `data` is not bytes-like.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected the file's bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("the file is empty (0 bytes); upload a picture of one digit")
    limit = f"the limit is {MAX_UPLOAD_PIXELS / 1e6:.0f} megapixels; scale the picture down first"
    # Pillow reports corrupt files with any of these, depending on the format and on where the file breaks.
    unreadable = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse rather than warn
        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValueError(f"the image is far too large; {limit}") from None
        except unreadable:
            raise ValueError(
                "this file is not a picture this app can read; upload a PNG, JPEG, BMP, GIF or WebP"
            ) from None
        width, height = image.size
        if width * height > MAX_UPLOAD_PIXELS:  # checked before decoding, so a bomb never reaches memory
            raise ValueError(f"the image is {width} x {height} pixels; {limit}")
        try:
            image.load()
        except unreadable:
            raise ValueError("the image could not be decoded (the file may be truncated or corrupt)") from None
    image = ImageOps.exif_transpose(image)
    try:
        return _standard_mode(image)
    except ValueError as exc:  # Pillow's "conversion not supported" for exotic modes
        raise ValueError(f"this image's colour format ({image.mode}) is not supported; save it as PNG or JPEG") from exc


def load_upload(data):
    """Read an uploaded image file (`upload_picture`) and turn it into an MNIST-style digit (`image_to_mnist`).

    Returns:
        `(28, 28)` float32 in [0, 1], as `canvas_to_mnist` returns (all zeros if the picture holds no digit).

    Raises:
        ValueError, TypeError: as `upload_picture`.
    """
    return image_to_mnist(upload_picture(data))


def _unit_pixels(array):
    """`array` as `(H, W, C)` float32 in [0, 1], C in (1, 3, 4); ValueError if it is not an image."""
    values = np.asarray(array)
    if values.dtype == bool:
        values = values.astype(np.uint8) * 255
    is_integer = np.issubdtype(values.dtype, np.integer)
    if not (is_integer or np.issubdtype(values.dtype, np.floating)):
        raise ValueError(f"expected an image array of numbers, got dtype {values.dtype}")
    if values.ndim == 2:
        values = values[:, :, np.newaxis]
    if values.ndim != 3 or values.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an image array of shape (H, W), (H, W, 3) or (H, W, 4), got {values.shape}")
    if values.size == 0:
        raise ValueError(f"expected an image array with pixels, got an empty one of shape {values.shape}")
    values = values.astype(np.float32)
    if not np.isfinite(values).all():
        raise ValueError("the image array holds NaN or infinite values")
    low, high = float(values.min()), float(values.max())
    scales = (255.0, 65535.0) if is_integer else (1.0, 255.0)
    if low < 0 or high > scales[-1]:
        raise ValueError(f"image values must lie in 0..{scales[-1]:.0f}, got {low:g}..{high:g}")
    return values / (scales[0] if high <= scales[0] else scales[1])


def _border(values):
    """The pixels of a frame around `values` `(H, W, ...)`: 2% of the shorter side wide, at least 1 px -> (n, ...)."""
    height, width = values.shape[:2]
    band = max(1, min(height, width) // 50)
    frame = np.ones((height, width), dtype=bool)
    frame[band:-band, band:-band] = False
    return values[frame]


def _ink_map(pixels):
    """How much ink each pixel of `pixels` `(H, W, C)` in [0, 1] holds -> `(H, W)` float32 in [0, 1]."""
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        if np.median(_border(alpha)) < 0.5:
            # A transparent background, as the canvas component returns: whatever was painted is ink, in any colour.
            return alpha
        # An opaque picture: lay its few see-through pixels over the background so they read as background.
        background = np.median(_border(pixels[:, :, :3]), axis=0)
        pixels = pixels[:, :, :3] * alpha[:, :, np.newaxis] + background * (1 - alpha[:, :, np.newaxis])
    luminance = pixels @ LUMA if pixels.shape[2] == 3 else pixels[:, :, 0]  # (H, W)
    background = float(np.median(_border(luminance)))
    darker = np.clip(background - luminance, 0, None)
    lighter = np.clip(luminance - background, 0, None)
    if abs(background - 0.5) > 0.15:
        # Ink stands out from a clearly light or dark background in one direction; the other way is glare or shadow.
        contrast = darker if background > 0.5 else lighter
    else:
        contrast = darker if darker.sum() >= lighter.sum() else lighter
    peak = float(contrast.max())
    if peak < MIN_CONTRAST:
        return np.zeros_like(luminance)
    return contrast / peak


def _too_little_ink(crop, longer_side, area):
    """Whether the ink in its bounding box `crop` `(h, w)` is too little to be a digit: stray pixels, a speck, a dot.

    `longer_side` and `area` are the whole picture's, in px, so the thresholds scale with the picture.
    """
    h, w = crop.shape
    if crop.sum() < MIN_INK_FRACTION * area or max(h, w) < MIN_EXTENT_FRACTION * longer_side:
        return True
    is_compact = min(h, w) >= DOT_MIN_ASPECT * max(h, w) and crop.mean() >= DOT_MIN_FILL
    return is_compact and max(h, w) < DOT_EXTENT_FRACTION * longer_side


def _fit_box(crop):
    """Scale `crop` `(h, w)` so its longer side is BOX_SIZE, keeping the aspect ratio -> `(h', w')` in [0, 1]."""
    h, w = crop.shape
    factor = BOX_SIZE / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))  # Pillow's (width, height)
    # Shrinking averages areas, as anti-aliasing does (a 280 px canvas's strokes turn into MNIST's grey edges);
    # growing a tiny drawing interpolates.
    resample = Image.Resampling.BOX if factor < 1 else Image.Resampling.BILINEAR
    box = np.asarray(Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32)).resize(size, resample))
    box = np.clip(box, 0, None)
    inked = box[box > INK_THRESHOLD * box.max()]
    # A thin pen on a big canvas shrinks to faint strokes, while MNIST's strokes reach full white. Stretching by a
    # high percentile rather than the maximum brightens the whole stroke, not just the spots where strokes cross.
    return np.clip(box / np.percentile(inked, STROKE_PERCENTILE), 0, 1)


def _standard_mode(image):
    """`image` in a mode `canvas_to_mnist` reads and a preview can encode: 8-bit L, RGB or RGBA. A wide greyscale
    picture (16- or 32-bit integers, I;16 and I; floats, F) is stretched from its darkest pixel to its lightest, to
    0..255: a 12-bit camera's picture in a 16-bit file, or floats of any range, come out as an 8-bit one would."""
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    if image.mode.startswith("I") or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)  # (H, W)
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
        scaled = np.clip(np.nan_to_num(scaled, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
        return Image.fromarray(np.round(scaled * 255).astype(np.uint8), "L")
    if image.mode == "1":
        return image.convert("L")
    has_alpha = any(band in ("A", "a") for band in image.getbands()) or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")
