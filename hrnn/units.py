"""Choosing which hidden units to show: orderings of a layer's units (numpy only)."""

import numpy as np

ORDERINGS = {
    "index": "unit number",
    "variance": "how much the unit changes while reading this image",
    "separation": "how strongly the unit separates the digits (over test images)",
}


def class_separation(states, labels):
    """Per-unit F statistic: variance of the class means over the mean within-class variance.

    Args:
        states: `(N, units)` final hidden states of N images.
        labels: `(N,)` their digits.

    Returns:
        `(units,)` non-negative scores; high means the unit's value tells digits apart.
    """
    states = np.asarray(states, dtype=np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    means = np.stack([states[labels == c].mean(axis=0) for c in classes])  # (classes, units)
    within = np.stack([states[labels == c].var(axis=0) for c in classes]).mean(axis=0)
    return means.var(axis=0) / (within + 1e-8)


def order_units(states, method="index", separation=None):
    """Unit indices in display order.

    Args:
        states: `(28, units)` the states of the current image.
        method: one of `ORDERINGS`: "index" (0..n-1), "variance" (most variable over the rows first),
            "separation" (highest `separation` score first).
        separation: `(units,)` scores from `class_separation`, required for "separation".

    Raises:
        ValueError: for an unknown method or missing scores.
    """
    states = np.asarray(states)
    if method == "index":
        return np.arange(states.shape[1])
    if method == "variance":
        return np.argsort(-states.var(axis=0), kind="stable")
    if method == "separation":
        if separation is None or len(separation) != states.shape[1]:
            raise ValueError("ordering by separation needs one score per unit")
        return np.argsort(-np.asarray(separation), kind="stable")
    raise ValueError(f"unknown ordering {method!r}; choose one of {', '.join(ORDERINGS)}")
