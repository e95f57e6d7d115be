"""Unit orderings for the heatmaps."""

import numpy as np
import pytest

from hrnn.analysis.units import order_units, reaction_rows


def test_variance_ordering_puts_the_busiest_unit_first():
    states = np.zeros((28, 3))
    states[:, 1] = np.linspace(-1, 1, 28)
    states[:, 2] = np.linspace(0, 0.1, 28)
    assert list(order_units(states, "variance")) == [1, 2, 0]


def test_reaction_ordering_makes_a_staircase():
    states = np.zeros((28, 3))
    states[20:, 0] = 0.8  # unit 0 switches at row 21
    states[4:, 1] = -0.5  # unit 1 at row 5
    states[12:, 2] = 0.9  # unit 2 at row 13
    assert reaction_rows(states).tolist() == [21, 5, 13]
    assert list(order_units(states, "reaction")) == [1, 2, 0]


def test_index_ordering_and_errors():
    assert list(order_units(np.zeros((28, 3)), "index")) == [0, 1, 2]
    with pytest.raises(ValueError, match="ordering must be one of variance, reaction, index"):
        order_units(np.zeros((28, 3)), "alphabetical")
