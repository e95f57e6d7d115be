"""Choosing the order of a layer's hidden units in the heatmaps (numpy only)."""

import numpy as np

from hrnn.bounds import one_of

ORDERINGS = {
    "variance": "busiest first",  # the units that change most while reading this image
    "reaction": "when it reacts",  # the units that respond to the top of the digit first
    "index": "unit number",
}


def reaction_rows(states):
    """For each unit, the row (1-based) at which its value changes most, the state before row 1 being 0.

    Args:
        states: `(28, units)` the states after rows 1..28 (or one vector per row).

    Returns:
        `(units,)` ints in 1..28.
    """
    states = np.asarray(states, dtype=np.float64)
    steps = np.abs(np.diff(states, axis=0, prepend=0.0))  # (28, units) the change made by each row
    return np.argmax(steps, axis=0) + 1


def order_units(states, method="variance"):
    """Unit indices in display order.

    Args:
        states: `(28, units)` the states of the current image.
        method: one of `ORDERINGS`: "variance" (most variable over the rows first), "reaction" (by the row at
            which the unit changes most, earliest first; ties by the size of that change, largest first; the
            heatmap then reads as a staircase from top left to bottom right), "index" (0..n-1).

    Raises:
        ValueError: for an unknown method.
    """
    one_of(method, ORDERINGS, "ordering")
    states = np.asarray(states, dtype=np.float64)
    if method == "variance":
        return np.argsort(-states.var(axis=0), kind="stable")
    if method == "reaction":
        steps = np.abs(np.diff(states, axis=0, prepend=0.0))
        return np.lexsort((-steps.max(axis=0), reaction_rows(states)))
    return np.arange(states.shape[1])  # "index"
