"""Unit orderings for the heatmaps."""

import numpy as np
import pytest

from hrnn.units import class_separation, order_units


def test_separation_ranks_the_unit_that_tells_classes_apart_first():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 30)
    states = rng.normal(size=(300, 4))
    states[:, 2] += labels * 3.0  # unit 2 encodes the digit
    scores = class_separation(states, labels)
    assert int(np.argmax(scores)) == 2
    assert order_units(np.zeros((28, 4)), "separation", scores)[0] == 2


def test_variance_ordering_puts_the_busiest_unit_first():
    states = np.zeros((28, 3))
    states[:, 1] = np.linspace(-1, 1, 28)
    states[:, 2] = np.linspace(0, 0.1, 28)
    assert list(order_units(states, "variance")) == [1, 2, 0]


def test_index_ordering_and_errors():
    assert list(order_units(np.zeros((28, 3)), "index")) == [0, 1, 2]
    with pytest.raises(ValueError, match="needs one score per unit"):
        order_units(np.zeros((28, 3)), "separation")
    with pytest.raises(ValueError, match="unknown ordering"):
        order_units(np.zeros((28, 3)), "alphabetical")
