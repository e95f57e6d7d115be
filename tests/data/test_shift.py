"""Shifted digits: images moved by whole pixels with background filled in, every shift used as often."""

import numpy as np

from hrnn.data.shift import SHIFTS, shift_images, shifted_test_set


def test_a_shift_moves_every_pixel_and_fills_the_border_with_background():
    image = np.zeros((1, 28, 28), np.uint8)
    image[0, 10, 12] = 200
    moved = shift_images(image, dx=3, dy=-2)
    assert moved[0, 8, 15] == 200 and moved.sum() == 200
    assert shift_images(image, dx=-13, dy=0)[0].sum() == 0  # moved out on the left
    assert shift_images(image[..., None], 1, 1).shape == (1, 28, 28, 1)


def test_the_shifts_are_2_to_4_pixels_in_four_directions():
    assert len(SHIFTS) == 12
    assert {abs(dx) + abs(dy) for dx, dy in SHIFTS} == {2, 3, 4}
    assert all(dx == 0 or dy == 0 for dx, dy in SHIFTS)


def test_each_image_gets_one_shift_in_turn():
    images = np.random.default_rng(0).integers(0, 255, (30, 28, 28)).astype(np.uint8)
    shifted, used = shifted_test_set(images)
    assert used.tolist()[:12] == [list(s) for s in SHIFTS] and used.tolist()[12] == list(SHIFTS[0])
    for i in (0, 7, 29):
        np.testing.assert_array_equal(shifted[i], shift_images(images[i : i + 1], *used[i])[0])
