"""Inside's memory views: the units section shows the image reader's memory c beside its state h and its three gates
after each row, and the row reader's over the pixels of the cursor's row, with the values the LSTM computes
(`hrnn.nn.memory`) for the digit shown, in the unit order of the state h view, each with what it means; the address
holds the reader and the view."""

import os

import numpy as np
import pytest

from hrnn.analysis.units import order_units
from hrnn.nn.memory import image_reader_memory, row_reader_memory
from hrnn.nn.model_files import load_model
from hrnn.nn.probe import probe
from tests.support.app import page, row_slider, shown, shown_test_image
from tests.support.figures import chart


@pytest.fixture
def model():
    return load_model(os.environ["HRNN_PRETRAINED"])


def _heatmaps(figure):
    """`{panel title: (z as an array, x labels)}` of a figure's panels (the row reader's ink strip included)."""
    return {t["name"]: (np.array(t["z"], np.float64), t["x"]) for t in figure["data"] if t["type"] == "heatmap"}


def _open(view, layer="image_reader", ordering=None):
    at = page("inside").run()
    if ordering:
        at.selectbox(key="unit_order").set_value(ordering).run()
    at.radio(key="inside_layer").set_value(layer).run()
    at.radio(key="inside_unit_view").set_value(view).run()
    assert not at.exception
    return at


def _order(at, states, ordering="variance"):
    """The units the page shows for `states` (`(28, units)`, the h of the reader shown), in its order."""
    shown_units = [s.value for s in at.slider if s.key == "units_shown"]  # no slider for 8 units or fewer
    return order_units(states, ordering)[: shown_units[0] if shown_units else None]


def _captions(at):
    return " ".join(shown(c.value) for c in at.caption).replace("**", "")


@pytest.mark.parametrize("ordering", ["variance", "reaction"])
def test_memory_view_shows_the_image_readers_c_beside_h_in_the_state_views_unit_order(model, ordering):
    at = _open("memory", ordering=ordering)
    image, _ = shown_test_image(at)
    memory = image_reader_memory(model, image[None])
    order = _order(at, probe(model, image).image_states, ordering)
    panels = _heatmaps(chart(at, "inside_image_memory"))
    assert list(panels) == ["h: shown", "c: memory"]
    for name, expected in (("h: shown", memory.hidden[0]), ("c: memory", memory.cell[0])):
        z, x = panels[name]
        np.testing.assert_allclose(z, expected[:, order], atol=1e-6)
        assert x == [str(u) for u in order]
    assert "memory the image reader carries from row to row" in _captions(at)


def test_gates_view_shows_the_image_readers_forget_input_and_output_gates(model):
    at = _open("gates")
    image, _ = shown_test_image(at)
    memory = image_reader_memory(model, image[None])
    order = _order(at, probe(model, image).image_states)
    panels = _heatmaps(chart(at, "inside_image_gates"))
    expected = {"f: kept": memory.forget_gate, "i: written": memory.input_gate, "o: shown": memory.output_gate}
    assert list(panels) == list(expected)
    for name, gate in expected.items():
        np.testing.assert_allclose(panels[name][0], gate[0][:, order], atol=1e-6)
    said = _captions(at)
    for sentence in (
        "f, the forget gate: how much of its memory it keeps from the row before",
        "i, the input gate: how much of what it reads at this row it writes into its memory",
        "o, the output gate: how much of its memory it shows as its state h",
    ):
        assert sentence in said


def test_the_row_readers_memory_and_gates_are_those_of_the_cursors_row_pixel_by_pixel(model):
    at = _open("gates", layer="row_reader")
    row_slider(at).set_value(12).run()
    image, _ = shown_test_image(at)
    memory = row_reader_memory(model, image[11:12])
    order = _order(at, probe(model, image).row_vectors)
    panels = _heatmaps(chart(at, "inside_row_gates"))
    np.testing.assert_allclose(panels["ink"][0][:, 0], image[11], atol=1e-6)  # the row itself, pixel by pixel
    np.testing.assert_allclose(panels["f: kept"][0], memory.forget_gate[0][:, order], atol=1e-6)
    np.testing.assert_allclose(panels["o: shown"][0], memory.output_gate[0][:, order], atol=1e-6)
    assert "from the pixel before" in _captions(at)
    at.radio(key="inside_unit_view").set_value("memory").run()
    panels = _heatmaps(chart(at, "inside_row_memory"))
    np.testing.assert_allclose(panels["c: memory"][0], memory.cell[0][:, order], atol=1e-6)
    np.testing.assert_allclose(panels["h: shown"][0][-1], probe(model, image).row_vectors[11, order], atol=1e-5)
    assert "row 12" in _captions(at)


def test_cursor_moves_on_the_gates_view_compute_the_memory_once(monkeypatch):
    from hrnn.ui.inside import reading

    calls = []
    real = reading.image_reader_memory
    monkeypatch.setattr(reading, "image_reader_memory", lambda *a: calls.append(1) or real(*a))
    at = _open("gates")
    for row in (3, 17, 28):
        row_slider(at).set_value(row).run()
    assert not at.exception and len(calls) == 1


def test_the_address_holds_the_reader_and_the_view_and_a_bad_one_is_one_line():
    at = page("inside")
    at.query_params.update(digit="5", reader="row", view="gates")
    at.run()
    assert not at.exception
    assert at.radio(key="inside_layer").value == "row_reader" and at.radio(key="inside_unit_view").value == "gates"
    assert "inside_row_gates" in {chart.proto.id.rsplit("-", 1)[1] for chart in at.get("plotly_chart")}
    at.radio(key="inside_unit_view").set_value("memory").run()
    assert (at.query_params["reader"], at.query_params["view"]) == ("row", "memory")
    at.radio(key="inside_layer").set_value("image_reader").run()
    at.radio(key="inside_unit_view").set_value("state").run()
    assert "reader" not in at.query_params and "view" not in at.query_params  # the defaults: a short address

    at = page("inside")
    at.query_params.update(digit="5", view="cells")
    at.run()
    assert not at.exception
    notes = [shown(c.value) for c in at.caption if "link was ignored" in shown(c.value)]
    assert len(notes) == 1 and "view must be one of state, memory, gates, got 'cells'" in notes[0], notes
    assert at.radio(key="inside_unit_view").value == "state"
