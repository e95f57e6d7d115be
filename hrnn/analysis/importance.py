"""Which rows mattered: how much the predicted digit's probability changes when each pixel row is blanked.

Numpy only: the model comes in as a `predict` callable, so the logic is testable with any function.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RowImportance:
    """The effect of blanking each row of one image on one digit's probability."""

    digit: int  # the digit whose probability is measured (the prediction for the whole image, by default)
    probability: float  # its probability for the intact image
    blanked: np.ndarray  # (28,) its probability with row r (0-based) set to background
    drop: np.ndarray  # (28,) probability - blanked: > 0 where the row spoke for the digit, < 0 where against


def blank_each_row(image28):
    """28 copies of `image28` `(28, 28)`, copy r with row r set to 0 (background): `(28, 28, 28)` float32."""
    image = np.asarray(image28, dtype=np.float32)
    if image.shape != (28, 28):
        raise ValueError(f"need a 28 x 28 image, got shape {image.shape}")
    copies = np.repeat(image[None], 28, axis=0)
    copies[np.arange(28), np.arange(28), :] = 0.0
    return copies


def row_importance(predict, image28, digit=None):
    """Blank each row in turn and measure the change in `digit`'s probability (29 images, one `predict` call).

    Args:
        predict: maps images `(N, 28, 28)` float32 in [0, 1] to probabilities `(N, classes)`.
        image28: `(28, 28)` floats in [0, 1].
        digit: the class to measure; default: the class `predict` gives the intact image.

    Returns:
        `RowImportance`; a row that is already blank changes nothing, and its drop is exactly 0.
    """
    image = np.asarray(image28, dtype=np.float32)
    batch = np.concatenate([image[None], blank_each_row(image)])  # (29, 28, 28): the intact image first
    probs = np.asarray(predict(batch), dtype=np.float64)  # (29, classes)
    if digit is None:
        digit = int(np.argmax(probs[0]))
    blanked = probs[1:, digit].copy()
    already_blank = ~image.any(axis=1)  # (28,)
    blanked[already_blank] = probs[0, digit]
    return RowImportance(int(digit), float(probs[0, digit]), blanked, probs[0, digit] - blanked)
