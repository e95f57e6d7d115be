"""What reading one row changed in the network's belief, in words: the sentence under Inside's cursor, from the
numbers `hrnn.analysis.narration.read_row` gives."""

from hrnn.analysis.narration import Change, read_row
from hrnn.ui.common import labels


def percent(p):
    """`0.623` -> `"62%"`: `hrnn.ui.common.labels.percent` in whole percents (never "0%" or "100%" for a share
    between, which would read as certainty)."""
    return labels.percent(p, 0)


def describe_ink(ink):
    """A row's inked columns (`(first, last)`, numbered 1..28, or None) -> `"blank"` or `"ink in columns 9 to 19"`."""
    if ink is None:
        return "blank"
    first, last = ink
    return f"ink in column {first}" if first == last else f"ink in columns {first} to {last}"


CHANGE_WORDS = {
    Change.SWITCH: "makes it switch to",
    Change.SURER: "makes it surer:",
    Change.LESS_SURE: "makes it less sure:",
    Change.LITTLE: "changes little:",
}


def describe_row(image28, step_probs, row):
    """One sentence on what reading `row` (1..28) of `image28` changed in the network's belief, from `read_row` (its
    arguments; it raises ValueError for a row outside 1..28): e.g. "After row 14 the network thinks 3 (62%); row 15
    (ink in columns 9 to 19) makes it switch to 2 (55%, runner-up 3 at 30%)."."""
    r = read_row(image28, step_probs, row)
    now = f"{r.leader} ({percent(r.probs[r.leader])}, runner-up {r.second} at {percent(r.probs[r.second])})"
    ink = describe_ink(r.ink)
    if r.change == Change.NOTHING_YET:
        span = "Row 1 is" if row == 1 else f"Rows 1 to {row} are"
        sentence = f"{span} blank: with nothing to go on yet, the network's guess is {now}."
    elif r.change == Change.FIRST:
        sentence = f"Row 1 ({ink}): the network starts with {now}."
    else:
        sentence = (
            f"After row {row - 1} the network thinks {r.previous} ({percent(r.before[r.previous])}); "
            f"row {row} ({ink}) {CHANGE_WORDS[r.change]} {now}."
        )
    if row == r.rows:
        sentence += " That is its final answer."
    return sentence
