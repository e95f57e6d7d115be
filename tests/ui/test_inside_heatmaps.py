"""The units' heatmaps side by side: the values given, one steps axis, the cursor in every panel, and colour scales
that keep the state's -1 to +1 while the memory gets its own range."""

import numpy as np

from hrnn.ui.inside.figures import CURSOR_COLOR
from hrnn.ui.inside.heatmaps import GATE, SIGNED, Panel, panels_figure

RNG = np.random.default_rng(0)


def test_memory_panels_keep_the_states_scale_and_give_the_memory_its_own():
    hidden, cell = np.tanh(RNG.normal(size=(28, 5))), 3 * RNG.normal(size=(28, 5))
    fig = panels_figure([Panel("h", hidden, "a"), Panel("c", cell, "b")], np.array([4, 0, 3, 1, 2]), SIGNED, row=9)
    h, c = fig.data
    np.testing.assert_allclose(h.z, hidden)
    np.testing.assert_allclose(c.z, cell)
    assert list(h.x) == list(c.x) == ["4", "0", "3", "1", "2"]
    assert (fig.layout[h.coloraxis].cmin, fig.layout[h.coloraxis].cmax) == (-1, 1)
    assert fig.layout[c.coloraxis].cmax == np.abs(cell).max() == -fig.layout[c.coloraxis].cmin
    outlined = [s for s in fig.layout.shapes if s.line.color == CURSOR_COLOR]
    assert sorted(s.xref for s in outlined) == ["x", "x2"] and {(s.y0 + s.y1) / 2 for s in outlined} == {9}


def test_gate_panels_share_one_scale_from_0_to_1_beside_the_rows_ink():
    gates = [Panel(name, RNG.random((28, 3)), name) for name in ("f", "i", "o")]
    pixels = np.linspace(0, 1, 28)
    fig = panels_figure(gates, np.arange(3), GATE, pixels=pixels)
    ink, *panels = fig.data
    np.testing.assert_allclose(np.array(ink.z)[:, 0], pixels)
    assert [p.name for p in panels] == ["f", "i", "o"] and {p.coloraxis for p in panels} == {"coloraxis"}
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0, 1)
    assert not [s for s in fig.layout.shapes if s.line.color == CURSOR_COLOR]  # a row's pixels: no row cursor
