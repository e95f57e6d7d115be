"""The state map: a 2-D view of the image reader's states by principal component analysis (numpy only).

`fit_pca(states)` finds the two directions along which a set of states varies most; `Projection.project` places
any state (the final states of many test digits, or one input's states after rows 1..28) on that plane, so one
input's reading becomes a path through the map of where digits end up.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    """A linear map from `units`-dimensional states to `dims` coordinates."""

    mean: np.ndarray  # (units,) the mean of the fitted states, subtracted first
    axes: np.ndarray  # (dims, units) unit-length principal directions, the most variance first
    explained: np.ndarray  # (dims,) fraction of the fitted states' variance along each axis

    def project(self, states):
        """Coordinates of `states` `(..., units)` on the axes: `(..., dims)` float64."""
        states = np.asarray(states, dtype=np.float64)
        if states.shape[-1] != self.mean.shape[0]:
            raise ValueError(f"states have {states.shape[-1]} units, the projection was fitted on {len(self.mean)}")
        return (states - self.mean) @ self.axes.T


def fit_pca(states, dims=2):
    """The principal axes of `states` `(N, units)`, N >= 2: a `Projection` to `dims` coordinates.

    Deterministic: the same states give the same axes, each axis's sign fixed so that its largest loading is
    positive (an SVD alone may flip signs from one library version to the next).

    Raises:
        ValueError: for fewer than two states, or `dims` outside 1..units.
    """
    states = np.asarray(states, dtype=np.float64)
    if states.ndim != 2 or len(states) < 2:
        raise ValueError(f"PCA needs at least two states of shape (N, units), got shape {states.shape}")
    if not 1 <= dims <= states.shape[1]:
        raise ValueError(f"dims must be between 1 and {states.shape[1]}, got {dims}")
    mean = states.mean(axis=0)
    _, singular, vt = np.linalg.svd(states - mean, full_matrices=False)
    axes = vt[:dims]  # (dims, units)
    signs = np.sign(axes[np.arange(dims), np.argmax(np.abs(axes), axis=1)])
    axes = axes * signs[:, None]
    variance = singular**2
    total = variance.sum()
    explained = variance[:dims] / total if total > 0 else np.zeros(dims)
    return Projection(mean, axes, explained)


@dataclass(frozen=True)
class StateMap:
    """Where held-out digits end up: their final states on the plane of the first two principal axes."""

    projection: Projection  # fitted on the final states below
    points: np.ndarray  # (N, 2) each digit's final state, projected
    labels: np.ndarray  # (N,) their true digits


def build_state_map(final_states, labels):
    """A `StateMap` from final states `(N, units)` and their digits `(N,)`.

    Raises:
        ValueError: when the two arrays do not have one label per state, or for fewer than two states.
    """
    final_states, labels = np.asarray(final_states), np.asarray(labels)
    if len(final_states) != len(labels):
        raise ValueError(f"{len(final_states)} states but {len(labels)} labels")
    projection = fit_pca(final_states)
    return StateMap(projection, projection.project(final_states), labels.astype(np.int64))
