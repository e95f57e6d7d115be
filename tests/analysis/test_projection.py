"""The state map's projection: PCA on the final states, deterministic, any state placed on the same plane."""

import numpy as np
import pytest

from hrnn.analysis.projection import build_state_map, fit_pca


@pytest.fixture
def states():
    """300 states of 6 units that vary most along unit 2, then along unit 4."""
    rng = np.random.default_rng(0)
    states = rng.normal(scale=0.05, size=(300, 6))
    states[:, 2] += rng.normal(scale=3.0, size=300)
    states[:, 4] += rng.normal(scale=1.0, size=300)
    return states


def test_the_first_axis_follows_the_largest_spread(states):
    projection = fit_pca(states)
    assert projection.axes.shape == (2, 6)
    np.testing.assert_allclose(np.abs(projection.axes[0]), np.eye(6)[2], atol=0.05)
    np.testing.assert_allclose(np.abs(projection.axes[1]), np.eye(6)[4], atol=0.05)
    assert projection.explained[0] > projection.explained[1] > 0 and projection.explained.sum() <= 1


def test_the_map_has_one_point_per_state_and_places_any_path_on_it(states):
    labels = np.arange(300) % 10
    state_map = build_state_map(states, labels)
    assert state_map.points.shape == (300, 2)
    assert state_map.labels.tolist() == labels.tolist()
    path = state_map.projection.project(states[:28])  # an input's 28 states
    assert path.shape == (28, 2)
    np.testing.assert_allclose(path, state_map.points[:28])


def test_the_projection_is_deterministic_whatever_the_order_of_the_states(states):
    first, again = fit_pca(states), fit_pca(states.copy())
    np.testing.assert_array_equal(first.axes, again.axes)
    shuffled = fit_pca(states[np.random.default_rng(1).permutation(len(states))])
    np.testing.assert_allclose(shuffled.axes, first.axes, atol=1e-10)  # no sign flips
    for axis in first.axes:
        assert axis[np.argmax(np.abs(axis))] > 0


def test_centred_coordinates_have_zero_mean(states):
    points = fit_pca(states).project(states)
    np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=1e-10)


def test_bad_inputs_are_refused(states):
    with pytest.raises(ValueError, match="at least two states"):
        fit_pca(states[:1])
    with pytest.raises(ValueError, match="labels"):
        build_state_map(states, np.zeros(5))
    with pytest.raises(ValueError, match="fitted on 6"):
        fit_pca(states).project(np.zeros((28, 5)))
