"""Digits drawn as pictures (hrnn.ui.common.digit_grid)."""

import numpy as np

from hrnn.ui.common.digit_grid import thumbnail


def test_a_thumbnail_repeats_each_pixel_as_a_sharp_block():
    digit = np.random.default_rng(0).integers(0, 256, (28, 28)).astype(np.uint8)
    big = thumbnail(digit, scale=3)
    assert big.shape == (84, 84) and big.dtype == np.uint8
    np.testing.assert_array_equal(big, np.kron(digit, np.ones((3, 3), np.uint8)))
