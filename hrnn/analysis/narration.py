"""What reading one row changed in the network's belief, as numbers (`read_row`; `hrnn.ui.inside.narration` says it
in words), and which digit was the prediction's main rival (numpy only)."""

import enum
from dataclasses import dataclass

import numpy as np

INK = 0.2  # a pixel at least this bright counts as ink
SURER = 0.05  # a change of the leader's probability below this is "little"


def first_ink_row(image28):
    """The index (0-based) of the first row with ink, or None for a blank image."""
    inked = np.flatnonzero((np.asarray(image28) >= INK).any(axis=1))
    return int(inked[0]) if len(inked) else None


def _strongest_other(step_probs, digit, start=0):
    """`(other, peak)`: the digit other than `digit` with the highest probability over rows `start`.. of
    `step_probs` `(28, classes)`, and that probability."""
    peaks = np.asarray(step_probs)[start:].max(axis=0).astype(np.float64)
    peaks[digit] = -np.inf
    other = int(np.argmax(peaks))
    return other, float(peaks[other])


def main_rival(step_probs, image28=None):
    """The digit, other than the final prediction, that came closest to winning while the rows were read.

    Args:
        step_probs: `(28, classes)` the probabilities after rows 1..28 (`ProbeResult.step_probs`).
        image28: the input, if known: then only the rows from its first inked row on count (over blank top rows
            the network is guessing from nothing, not reading).

    Returns:
        `(prediction, rival)`: the final prediction and the other digit with the highest probability at any row.
    """
    prediction = int(np.argmax(np.asarray(step_probs)[-1]))
    start = (first_ink_row(image28) or 0) if image28 is not None else 0
    return prediction, _strongest_other(step_probs, prediction, start)[0]


def closest_call(step_probs, labels, images):
    """Of a batch of inputs, the one most worth watching being read: among those the network reads right, the one
    whose strongest wrong guess, while the inked rows were read, came closest to winning.

    Args:
        step_probs: `(N, 28, classes)` each input's probabilities after rows 1..28.
        labels: `(N,)` the true digits.
        images: `(N, 28, 28)` the inputs.

    Returns:
        An index into the batch; 0 when the network reads none of them right.
    """
    best, best_peak = 0, -1.0
    for k, (probs, label) in enumerate(zip(np.asarray(step_probs), np.asarray(labels))):
        start = first_ink_row(images[k])
        if start is None or int(np.argmax(probs[-1])) != label:
            continue
        _, peak = _strongest_other(probs, label, start)
        if peak > best_peak:
            best, best_peak = k, peak
    return best


def ink_columns(row_pixels):
    """`(first, last)`: the first and last inked columns (numbered 1..28) of `(28,)` pixels of one row, or None for
    a blank row."""
    columns = np.flatnonzero(np.asarray(row_pixels) >= INK) + 1
    return (int(columns[0]), int(columns[-1])) if len(columns) else None


class Change(enum.Enum):
    """What reading a row did to the network's belief (`RowReading.change`)."""

    NOTHING_YET = "nothing yet"  # this row and every one above it are blank
    FIRST = "first"  # row 1, inked: the first belief
    SWITCH = "switch"  # another digit leads now
    SURER = "surer"  # the same leader, at least `SURER` more probable
    LESS_SURE = "less sure"  # ... at least `SURER` less probable
    LITTLE = "little"  # ... within `SURER` of before


@dataclass(frozen=True)
class RowReading:
    """What reading one row changed in the network's belief, as numbers (`read_row`); `hrnn.ui.inside.narration`
    says it in words. Probabilities are the step probabilities' after the row (`probs`) and after the row above
    (`before`: None at row 1)."""

    row: int  # 1-based
    rows: int  # how many rows the image has (28): the last row's belief is the final answer
    ink: tuple[int, int] | None  # the row's first and last inked columns (1..28), None when blank
    change: Change
    leader: int  # the digit leading after the row
    second: int  # the runner-up
    probs: np.ndarray  # (classes,)
    previous: int | None  # the digit that led after the row above (None at row 1)
    before: np.ndarray | None  # (classes,) the probabilities after the row above


def read_row(image28, step_probs, row):
    """What reading `row` (1..28) changed in the network's belief (`RowReading`).

    Args:
        image28: `(28, 28)` the input.
        step_probs: `(28, classes)` the probabilities after rows 1..28.
        row: the cursor, 1-based.

    Raises:
        ValueError: for a row outside 1..28.
    """
    image, step_probs = np.asarray(image28), np.asarray(step_probs)
    if not 1 <= row <= len(step_probs):
        raise ValueError(f"row must be between 1 and {len(step_probs)}, got {row}")
    probs = step_probs[row - 1]
    leader, second = (int(d) for d in np.argsort(-probs, kind="stable")[:2])
    before = step_probs[row - 2] if row > 1 else None
    previous = int(np.argmax(before)) if before is not None else None
    if not (image[:row] >= INK).any():
        change = Change.NOTHING_YET
    elif row == 1:
        change = Change.FIRST
    elif leader != previous:
        change = Change.SWITCH
    elif probs[leader] - before[leader] >= SURER:
        change = Change.SURER
    elif before[leader] - probs[leader] >= SURER:
        change = Change.LESS_SURE
    else:
        change = Change.LITTLE
    return RowReading(
        row, len(step_probs), ink_columns(image[row - 1]), change, leader, second, probs, previous, before
    )
