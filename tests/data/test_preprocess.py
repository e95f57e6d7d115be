"""canvas_to_mnist and friends: drawings and uploads come out as MNIST's digits were made.

Drawings are made here with PIL.ImageDraw on 280 x 280 canvases, like the Draw page canvas's drawings (transparent
background, opaque strokes). The round trip through real MNIST digits runs where the shared MNIST file is present
(`HRNN_MNIST`, or `../shared/data/mnist.npz` beside the project) and is skipped elsewhere.
"""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from hrnn.data.preprocess import canvas_to_mnist, image_to_mnist, is_blank, load_upload, upload_picture
from tests.support.pictures import BLACK, CLEAR, SIZE, UPLOAD_MODES, WHITE, encoded, png_header, seven


def _dot(centre, diameter):
    """A filled disc on a transparent canvas -> `(280, 280, 4)` uint8."""
    image = Image.new("RGBA", (SIZE, SIZE), CLEAR)
    x, y = centre
    r = diameter / 2
    ImageDraw.Draw(image).ellipse([x - r, y - r, x + r, y + r], fill=WHITE)
    return np.asarray(image)


def _centre_of_mass(digit):
    """(row, col) of a 2-D image's centre of mass, in pixel indices."""
    total = digit.sum()
    return digit.sum(axis=1) @ np.arange(digit.shape[0]) / total, digit.sum(axis=0) @ np.arange(digit.shape[1]) / total


def _box_size(digit):
    """(height, width) of the bounding box of a 2-D image's non-zero pixels."""
    rows, cols = np.nonzero(digit)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def _png(array):
    """An array encoded as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _mnist_path():
    """The shared MNIST .npz if this machine has it, else None."""
    candidates = [os.environ.get("HRNN_MNIST", ""), Path(__file__).resolve().parents[3] / "shared/data/mnist.npz"]
    return next((Path(c) for c in candidates if c and str(c).endswith(".npz") and Path(c).is_file()), None)


def test_output_is_float32_28x28_in_unit_range():
    digit = canvas_to_mnist(seven())
    assert digit.shape == (28, 28)
    assert digit.dtype == np.float32
    assert digit.min() >= 0.0
    assert digit.max() == pytest.approx(1.0)


def test_off_centre_digit_is_centred():
    digit = canvas_to_mnist(seven(left=150, top=5, height=110, width=12))
    row, col = _centre_of_mass(digit)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1


def test_digit_box_longer_side_is_20_pixels():
    height, width = _box_size(canvas_to_mnist(seven(left=150, top=5, height=110, width=12)))
    assert max(height, width) == 20
    assert width < height  # the aspect ratio is kept: a '7' stays taller than wide


def test_tiny_drawing_is_scaled_up_to_20_pixels():
    canvas = np.asarray(Image.new("RGBA", (SIZE, SIZE), CLEAR))
    canvas = canvas.copy()
    canvas[255:270, 260:263] = WHITE  # a '1', 15 px tall and 3 px wide, in the bottom-right corner
    digit = canvas_to_mnist(canvas)
    assert _box_size(digit)[0] == 20
    assert not is_blank(digit)


def test_huge_drawing_is_scaled_down_to_20_pixels():
    digit = canvas_to_mnist(seven(left=0, top=0, height=279, width=40))
    assert max(_box_size(digit)) == 20


@pytest.mark.parametrize("pen_width", [3, 40])
def test_thin_and_thick_strokes_both_give_substantial_ink(pen_width):
    digit = canvas_to_mnist(seven(width=pen_width))
    assert digit.sum() > 25  # full-ink pixels; MNIST's faintest test digit holds 22 (measured: 33 and 109)
    assert digit.max() == pytest.approx(1.0)


def test_opaque_backgrounds_of_either_polarity_match_transparent():
    transparent = canvas_to_mnist(seven(ink=WHITE, background=CLEAR))
    light_on_dark = canvas_to_mnist(seven(ink=WHITE, background=BLACK))
    dark_on_light = canvas_to_mnist(seven(ink=BLACK, background=WHITE))
    assert np.abs(light_on_dark - transparent).max() < 0.05
    assert np.abs(dark_on_light - transparent).max() < 0.05


@pytest.mark.parametrize("ink", [BLACK, WHITE, (220, 30, 40, 255)], ids=["black", "white", "red"])
def test_transparent_canvas_takes_strokes_of_any_colour(ink):
    reference = canvas_to_mnist(seven(ink=WHITE))
    assert np.abs(canvas_to_mnist(seven(ink=ink)) - reference).max() < 0.05


def test_rgb_grayscale_and_float_arrays_match_rgba():
    rgba = seven(ink=BLACK, background=WHITE)
    reference = canvas_to_mnist(rgba)
    rgb = rgba[:, :, :3]
    gray = np.asarray(Image.fromarray(rgba).convert("L"))
    for variant in (rgb, gray, rgb / 255.0, rgb.astype(np.float32)):
        assert np.abs(canvas_to_mnist(variant) - reference).max() < 0.05


def test_empty_canvas_gives_zeros_and_is_blank():
    digit = canvas_to_mnist(np.asarray(Image.new("RGBA", (SIZE, SIZE), CLEAR)))
    assert not digit.any()
    assert is_blank(digit)


def test_stray_dot_is_blank():
    assert is_blank(canvas_to_mnist(_dot((90, 200), diameter=5)))


def test_single_pen_tap_is_blank():
    assert is_blank(canvas_to_mnist(_dot((140, 140), diameter=22)))  # one click with the app's default pen


def test_scattered_stray_pixels_are_blank():
    canvas = np.zeros((SIZE, SIZE, 4), dtype=np.uint8)
    canvas[[3, 140, 270, 60, 200, 276], [5, 200, 30, 90, 250, 270]] = WHITE
    assert is_blank(canvas_to_mnist(canvas))


def test_real_stroke_is_not_blank():
    assert not is_blank(canvas_to_mnist(seven()))


def test_mnist_digits_survive_the_canvas_round_trip():
    path = _mnist_path()
    if path is None:
        pytest.skip("no MNIST file: set HRNN_MNIST to an mnist.npz or put one at ../shared/data/mnist.npz")
    with np.load(path) as data:
        originals = data["x_test"][:20].astype(np.float32) / 255  # (20, 28, 28)
    errors, correlations = [], []
    for original in originals:
        canvas = np.zeros((SIZE, SIZE, 4), dtype=np.uint8)
        canvas[:, :, :3] = 255  # white strokes, alpha = intensity, blown up 10x on a transparent canvas
        canvas[:, :, 3] = np.round(np.kron(original, np.ones((10, 10))) * 255)
        digit = canvas_to_mnist(canvas)
        errors.append(np.abs(digit - original).mean())
        correlations.append(np.corrcoef(digit.ravel(), original.ravel())[0, 1])
    # Measured on these 20: mean error 0.0008, least correlation 0.9997. Over 1,000 test digits, 7 whose centre of
    # mass sits on a pixel boundary come back one pixel off (correlation down to 0.6), hence the median. Not centring
    # gives errors of 0.07 and up and correlations under 0.35; inverted ink correlates negatively.
    assert np.mean(errors) < 0.02
    assert np.median(correlations) > 0.95


def test_mnist_image_upload_comes_back_close_to_itself():
    digit = canvas_to_mnist(seven())
    uploaded = load_upload(_png(np.round(digit * 255).astype(np.uint8)))
    assert np.abs(uploaded - digit).mean() < 0.01


def test_photo_of_dark_digit_on_paper_matches_the_drawing():
    paper = seven(
        left=120, top=80, height=300, width=30, ink=(50, 45, 40, 255), background=(190, 185, 170, 255), size=(640, 480)
    )
    noise = np.random.default_rng(0).normal(0, 6, paper.shape[:2] + (3,))
    photo = Image.fromarray(np.clip(paper[:, :, :3] + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=80)
    digit = load_upload(buffer.getvalue())
    drawing = canvas_to_mnist(seven(left=120, top=80, height=300, width=30, size=(640, 480)))
    assert np.corrcoef(digit.ravel(), drawing.ravel())[0, 1] > 0.9


def test_16_bit_grayscale_image_matches_8_bit():
    gray = np.asarray(Image.fromarray(seven(ink=BLACK, background=WHITE)).convert("L"))
    wide = Image.fromarray(gray.astype(np.uint16) * 257)  # mode I;16, 0..65535
    assert wide.mode == "I;16"
    assert np.abs(image_to_mnist(wide) - canvas_to_mnist(gray)).max() < 0.05


def test_upload_with_exif_rotation_comes_out_upright():
    upright = Image.fromarray(seven(ink=BLACK, background=WHITE)).convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a camera held sideways saves it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    stored.save(buffer, format="PNG", exif=exif)
    assert np.abs(load_upload(buffer.getvalue()) - canvas_to_mnist(np.asarray(upright))).max() < 0.05


@pytest.mark.parametrize(
    "array",
    [np.zeros(100), np.zeros((28, 28, 5)), np.zeros((0, 0, 4)), np.full((28, 28), np.nan)],
    ids=["1-d", "5-channels", "empty", "nan"],
)
def test_bad_arrays_raise_value_error(array):
    with pytest.raises(ValueError, match="image array"):
        canvas_to_mnist(array)


def test_load_upload_rejects_empty_bytes():
    with pytest.raises(ValueError, match="empty"):
        load_upload(b"")


def test_load_upload_rejects_bytes_that_are_not_an_image():
    with pytest.raises(ValueError, match="not a picture this app can read"):
        load_upload(b"not an image")


def test_load_upload_rejects_truncated_file():
    data = _png(np.random.default_rng(0).integers(0, 256, (200, 200), dtype=np.uint8))
    with pytest.raises(ValueError, match="truncated"):
        load_upload(data[: len(data) // 2])


@pytest.mark.parametrize("width, height", [(8000, 6000), (100_000, 100_000)], ids=["48-megapixels", "bomb"])
def test_load_upload_refuses_huge_images_before_decoding(width, height):
    with pytest.raises(ValueError, match="megapixels"):
        load_upload(png_header(width, height))


def test_load_upload_reads_a_png():
    digit = load_upload(_png(seven()))
    assert digit.shape == (28, 28)
    assert not is_blank(digit)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_an_upload_is_turned_upright_as_its_exif_orientation_says(image_format):
    upright = np.zeros((140, 100), np.uint8)  # an L: no turn of it looks like another
    upright[20:120, 20:40] = 255
    upright[100:120, 20:80] = 255

    def encoded(pixels, orientation=None):
        exif = Image.Exif()
        if orientation is not None:
            exif[0x0112] = orientation  # EXIF Orientation
        buf = io.BytesIO()
        Image.fromarray(pixels).convert("RGB").save(buf, format=image_format, exif=exif, quality=95)
        return buf.getvalue()

    expected = load_upload(encoded(upright))
    # Stored turned 90 degrees clockwise, with the note a phone writes: "rotate 90 CW to display" is orientation 6.
    stored = np.rot90(upright, k=1)  # counter-clockwise, so that turning it clockwise makes it upright again
    read = load_upload(encoded(stored, orientation=6))
    assert np.abs(read - expected).max() < 0.1
    assert np.abs(load_upload(encoded(stored)) - expected).max() > 0.5  # without the note it reads turned


@pytest.mark.parametrize("encode", UPLOAD_MODES)
def test_an_upload_in_any_mode_is_shown_and_read_as_its_8_bit_greyscale(encode):
    gray = np.asarray(Image.fromarray(seven(ink=BLACK, background=WHITE)).convert("L"))  # (280, 280) uint8
    picture = upload_picture(encode(gray))
    assert picture.mode in ("L", "RGB", "RGBA") and np.asarray(picture).dtype == np.uint8
    encoded(picture.convert("RGB"), "JPEG")  # a preview can be made of it
    assert np.abs(np.asarray(picture.convert("L"), np.float32) - gray).max() <= 2
    assert np.abs(load_upload(encode(gray)) - canvas_to_mnist(gray)).max() < 0.05
