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
