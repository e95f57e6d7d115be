"""What happened at one row, in words, and which digit was the prediction's main rival (numpy only)."""

import numpy as np

INK = 0.2  # a pixel at least this bright counts as ink
SURER = 0.05  # a change of the leader's probability below this is "little"


def percent(p):
    """`0.623` -> `"62%"`; never rounds to 0% or 100% (`"<1%"`, `">99%"`), which would read as certainty."""
    if p < 0.005:
        return "<1%"
    if p > 0.995:
        return ">99%"
    return f"{p:.0%}"


def main_rival(step_probs):
    """The digit, other than the final prediction, that came closest to winning while the rows were read.

    Args:
        step_probs: `(28, classes)` the probabilities after rows 1..28 (`ProbeResult.step_probs`).

    Returns:
        `(prediction, rival)`: the final prediction and the other digit with the highest probability at any row.
    """
    step_probs = np.asarray(step_probs)
    prediction = int(np.argmax(step_probs[-1]))
    peaks = step_probs.max(axis=0).astype(np.float64)
    peaks[prediction] = -np.inf
    return prediction, int(np.argmax(peaks))


def describe_ink(row_pixels):
    """`(28,)` pixels of one row -> `"blank"` or `"ink in columns 9 to 19"` (columns numbered 1..28)."""
    columns = np.flatnonzero(np.asarray(row_pixels) >= INK) + 1
    if len(columns) == 0:
        return "blank"
    if len(columns) == 1:
        return f"ink in column {columns[0]}"
    return f"ink in columns {columns[0]} to {columns[-1]}"


def describe_row(image28, step_probs, row):
    """One sentence on what reading `row` (1..28) changed in the network's belief.

    Args:
        image28: `(28, 28)` the input.
        step_probs: `(28, classes)` the probabilities after rows 1..28.
        row: the cursor, 1-based.

    Returns:
        e.g. "After row 14 the network thinks 3 (62%); row 15 (ink in columns 9 to 19) makes it switch to 2 (55%,
        runner-up 3 at 30%)."

    Raises:
        ValueError: for a row outside 1..28.
    """
    image, step_probs = np.asarray(image28), np.asarray(step_probs)
    if not 1 <= row <= len(step_probs):
        raise ValueError(f"row must be between 1 and {len(step_probs)}, got {row}")
    probs = step_probs[row - 1]
    leader, second = (int(d) for d in np.argsort(-probs, kind="stable")[:2])
    now = f"{leader} ({percent(probs[leader])}, runner-up {second} at {percent(probs[second])})"
    ink = describe_ink(image[row - 1])
    if not (image[:row] >= INK).any():
        span = "Row 1 is" if row == 1 else f"Rows 1 to {row} are"
        sentence = f"{span} blank: with nothing to go on yet, the network's guess is {now}."
    elif row == 1:
        sentence = f"Row 1 ({ink}): the network starts with {now}."
    else:
        before = step_probs[row - 2]
        previous = int(np.argmax(before))
        if leader != previous:
            change = f"makes it switch to {now}"
        elif probs[leader] - before[leader] >= SURER:
            change = f"makes it surer: {now}"
        elif before[leader] - probs[leader] >= SURER:
            change = f"makes it less sure: {now}"
        else:
            change = f"changes little: {now}"
        sentence = (
            f"After row {row - 1} the network thinks {previous} ({percent(before[previous])}); "
            f"row {row} ({ink}) {change}."
        )
    if row == len(step_probs):
        sentence += " That is its final answer."
    return sentence
