"""Digits drawn as pictures (hrnn.ui.common.digit_grid)."""

import numpy as np
import pytest

from hrnn.ui.common.digit_grid import FRAME, GAP, RIGHT, UNREAD, cell_size, render_grid, thumbnail


def test_a_thumbnail_repeats_each_pixel_as_a_sharp_block():
    digit = np.random.default_rng(0).integers(0, 256, (28, 28)).astype(np.uint8)
    big = thumbnail(digit, scale=3)
    assert big.shape == (84, 84) and big.dtype == np.uint8
    np.testing.assert_array_equal(big, np.kron(digit, np.ones((3, 3), np.uint8)))


@pytest.mark.parametrize(
    "images, labels, predictions",
    [
        pytest.param(25, 20, 20, id="more-images-than-labels"),
        pytest.param(25, 20, 0, id="more-images-than-labels-unread"),
        pytest.param(20, 20, 25, id="more-predictions-than-images"),
        pytest.param(20, 25, 10, id="fewer-predictions"),
        pytest.param(20, 0, 20, id="no-labels"),
    ],
)
def test_the_grid_draws_digits_whose_lists_disagree_in_length(images, labels, predictions):
    """A damaged progress log can give lists of other lengths: each digit without a label or a reading is grey."""
    picture = render_grid(np.zeros((images, 28, 28), np.uint8), [3] * labels, [3] * predictions, columns=10)
    width, height = cell_size()
    assert picture.shape == (3 * height + 2 * GAP if images > 20 else 2 * height + GAP, 10 * width + 9 * GAP, 3)
    last = images - 1  # its frame's top left corner
    frame = tuple(picture[last // 10 * (height + GAP) + FRAME // 2, last % 10 * (width + GAP) + FRAME // 2])
    assert frame == (UNREAD if images > labels or images > predictions else RIGHT)
