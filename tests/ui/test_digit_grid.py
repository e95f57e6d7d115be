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


def test_the_watched_digit_is_outlined_in_the_gap_around_it_and_no_other():
    images, labels = np.zeros((20, 28, 28), np.uint8), [k % 10 for k in range(20)]
    plain = render_grid(images, labels, labels)
    marked = render_grid(images, labels, labels, marked=13)  # the 4th of the second row
    width, height = cell_size()
    assert marked.shape == (plain.shape[0] + GAP, plain.shape[1] + GAP, 3)  # room for the mark at the edges
    dark = np.all(marked < 40, axis=2)
    dark[GAP // 2 : -(GAP // 2), GAP // 2 : -(GAP // 2)] &= ~np.all(
        plain < 40, axis=2
    )  # what the plain grid has dark too (the digits, here black) is not the mark
    rows, columns = np.nonzero(dark)
    x0, y0 = 3 * (width + GAP), height + GAP  # the cell's corner, within the margin of GAP // 2
    assert columns.min() == x0 and columns.max() == x0 + width + GAP - 1
    assert rows.min() == y0 and rows.max() == y0 + height + GAP - 1
