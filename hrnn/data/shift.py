"""Shifted digits: the test set moved a few pixels, to see whether a model reads a digit wherever it sits (numpy only).

MNIST's digits are centred by their centre of mass, so a model can score well by knowing where a digit usually sits.
Each test image is moved by one of `SHIFTS` (2, 3 or 4 pixels left, right, up or down; image `i` by
`SHIFTS[i % 12]`, so every shift is used as often), with the uncovered border filled with background.
"""

import numpy as np

SHIFTS = tuple((dx, dy) for d in (2, 3, 4) for dx, dy in ((-d, 0), (d, 0), (0, -d), (0, d)))  # (right, down) pixels


def shift_images(images, dx, dy):
    """`images` `(N, 28, 28)` or `(N, 28, 28, 1)` moved `dx` pixels right and `dy` down (negative: left, up).

    Returns a new array of the same shape and dtype; what moves out is dropped, what is uncovered is 0 (background).
    """
    images = np.asarray(images)
    out = np.zeros_like(images)
    rows, cols = images.shape[1], images.shape[2]
    if abs(dx) >= cols or abs(dy) >= rows:
        return out
    src_rows = slice(max(0, -dy), rows - max(0, dy))
    dst_rows = slice(max(0, dy), rows - max(0, -dy))
    src_cols = slice(max(0, -dx), cols - max(0, dx))
    dst_cols = slice(max(0, dx), cols - max(0, -dx))
    out[:, dst_rows, dst_cols] = images[:, src_rows, src_cols]
    return out


def shifted_test_set(images, shifts=SHIFTS):
    """Every image moved by one shift, in turn: image `i` by `shifts[i % len(shifts)]`.

    Args:
        images: `(N, 28, 28)` or `(N, 28, 28, 1)`.
        shifts: `(dx, dy)` pairs.

    Returns:
        `(shifted, used)`: the moved images (same shape and dtype) and the shift of each, `(N, 2)` ints.
    """
    images = np.asarray(images)
    used = np.array([shifts[i % len(shifts)] for i in range(len(images))], dtype=np.int64).reshape(-1, 2)
    shifted = np.zeros_like(images)
    for k, (dx, dy) in enumerate(shifts):
        shifted[k :: len(shifts)] = shift_images(images[k :: len(shifts)], dx, dy)
    return shifted, used
