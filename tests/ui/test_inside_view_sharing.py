"""Every session watching a run at the same moment shares that moment's figures: a class's watchers, each page
refreshed every second, make the heatmap and the probabilities once per new snapshot, not once per watcher."""

import numpy as np
import plotly.io

from hrnn.analysis.units import order_units
from hrnn.ui.common.states_figure import SHOWN_UNITS, states_figure
from hrnn.ui.train import inside_view
from hrnn.ui.train.inside_figures import MEANING, probability_figure

RNG = np.random.default_rng(7)
HIDDEN = np.tanh(RNG.normal(size=(20, 28, 64))).astype(np.float32)  # (grid digits, rows, units)
PROBS = RNG.dirichlet(np.ones(10), size=20).astype(np.float32)


def test_watchers_at_one_moment_share_its_figures_and_a_new_moment_makes_new_ones():
    heatmap = inside_view._moment_figure("/runs/a", 5, 2, HIDDEN)
    order = order_units(HIDDEN[2])[:SHOWN_UNITS]
    expected = states_figure(HIDDEN[2][:, order], order, None, MEANING, height=400)
    assert plotly.io.to_json(heatmap) == plotly.io.to_json(expected)  # Inside's heatmap, in Inside's unit order
    # Another watcher's copy of the same snapshot (equal, not the same arrays): the same figure, not built again.
    assert inside_view._moment_figure("/runs/a", 5, 2, HIDDEN.copy()) is heatmap
    assert inside_view._moment_figure("/runs/a", 6, 2, HIDDEN) is not heatmap  # the next snapshot
    assert inside_view._moment_figure("/runs/a", 5, 3, HIDDEN) is not heatmap  # another digit
    assert inside_view._moment_figure("/runs/b", 5, 2, HIDDEN) is not heatmap  # another run

    bars = inside_view._probability_figure("/runs/a", 5, 2, 7, PROBS)
    assert plotly.io.to_json(bars) == plotly.io.to_json(probability_figure(PROBS[2], 7))
    assert inside_view._probability_figure("/runs/a", 5, 2, 7, PROBS.copy()) is bars
    assert inside_view._probability_figure("/runs/a", 6, 2, 7, PROBS) is not bars
