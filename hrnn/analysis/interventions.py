"""What if: erase rows of an input and see what the model reads then; find the fewest rows whose erasure changes its
answer.

Numpy only: the model comes in as a `predict` callable (images `(N, 28, 28)` in [0, 1] to probabilities
`(N, classes)`), as in `hrnn.analysis.importance`, so the logic is testable with any function.
"""

from dataclasses import dataclass

import numpy as np


def erase_rows(image28, rows):
    """A copy of `image28` `(28, 28)` with the pixel rows `rows` (0-based) set to background (0)."""
    image = np.array(image28, dtype=np.float32)
    if image.shape != (28, 28):
        raise ValueError(f"need a 28 x 28 image, got shape {image.shape}")
    rows = sorted({int(r) for r in rows})
    if any(not 0 <= r < 28 for r in rows):
        raise ValueError(f"rows are 0 to 27, got {rows}")
    image[rows, :] = 0.0
    return image


@dataclass(frozen=True)
class Flip:
    """The fewest rows found whose erasure changes the model's answer, and what it reads then."""

    rows: tuple  # 0-based rows erased, in the order they were erased (the most important first)
    digit: int  # what the model reads with them erased
    probabilities: np.ndarray  # (classes,) with them erased


def smallest_flip(predict, image28, drop):
    """The fewest rows, taken greedily in order of `drop` (each row's effect on the prediction when blanked alone,
    `RowImportance.drop`, largest first), whose erasure together changes the predicted digit; None when erasing
    every row that holds ink does not change it. One `predict` call: the image with the first 1, 2, ... of those
    rows erased. Greedy, so "fewest" is what this order finds, not a proof that no smaller set exists."""
    image = np.asarray(image28, dtype=np.float32)
    inked = [r for r in np.argsort(-np.asarray(drop), kind="stable") if image[r].any()]
    if not inked:
        return None
    batch = np.stack([erase_rows(image, inked[: k + 1]) for k in range(len(inked))])
    probs = np.asarray(predict(np.concatenate([image[None], batch])), dtype=np.float64)
    original = int(np.argmax(probs[0]))
    for k, row_probs in enumerate(probs[1:]):
        digit = int(np.argmax(row_probs))
        if digit != original:
            return Flip(tuple(int(r) for r in inked[: k + 1]), digit, row_probs)
    return None
