"""Inside the network's "What if?": erased rows, a held unit and transplanted rows change the reading exactly as a
direct call on the edited input says; the fewest rows that change the answer; the erased rows outlined; a band of
rows in one drag; reset."""

import os
import re

import numpy as np

from hrnn.analysis.interventions import IMAGE_READER, Clamp, erase_rows, intervene
from hrnn.analysis.stepwise import hrnn_weights
from hrnn.nn.model_files import load_model
from hrnn.nn.probe import predict_one, probe
from tests.support.app import page
from tests.support.data import make_mnist
from tests.support.figures import chart, plotly_array


def _inside_on(image):
    at = page("inside")
    at.session_state["input"] = {"image": image, "origin": "a test digit"}
    return at.run()


def _widget(widgets, prefix):
    (widget,) = [w for w in widgets if w.key.startswith(prefix)]
    return widget


def _said(at):
    """The sentence that gives the changed reading, or None."""
    lines = [m.value for m in at.markdown if m.value.startswith("With ")]
    assert len(lines) <= 1, lines
    return lines[0] if lines else None


def _reads(at):
    """The digit the sentence says the changed network reads."""
    return int(re.search(r"it reads \*\*(\d)\*\*", _said(at)).group(1))


def _after(at):
    """The changed run's ten probabilities, as the bars show them."""
    return plotly_array(chart(at, "what_if_bars")["data"][1]["y"])


def test_erased_rows_read_as_the_model_reads_them_outlined_the_fewest_that_change_it_found_and_reset_restores():
    # One page session through the whole section: the Inside page's first run computes its state map (seconds).
    data = make_mnist()
    image = data.x_test[3].astype(np.float32) / 255.0
    model = load_model(os.environ["HRNN_PRETRAINED"])
    at = _inside_on(image)
    assert not at.exception and _widget(at.pills, "what_if_rows_").value == [] and _said(at) is None

    # Erased rows: the edited image is the input with exactly those rows blank, read as the model reads it.
    rows = [int(r) for r in np.flatnonzero(image.any(axis=1))[:3] + 1]  # the first three rows with ink, 1-based
    _widget(at.pills, "what_if_rows_").set_value(rows).run()
    assert not at.exception
    direct = predict_one(model, erase_rows(image, [r - 1 for r in rows]))
    assert re.match(rf"With 3 rows erased it reads \*\*{int(np.argmax(direct))}\*\* \(", _said(at)), _said(at)
    np.testing.assert_allclose(_after(at), direct, atol=1e-4)
    shown = chart(at, "what_if_image")
    np.testing.assert_allclose(plotly_array(shown["data"][0]["z"]), erase_rows(image, [r - 1 for r in rows]), atol=1e-6)
    outlined = [(s["y0"], s["y1"]) for s in shown["layout"]["shapes"]]  # the erased rows, outlined
    assert sorted(rows) == sorted(r for y0, y1 in outlined for r in range(round(y0 + 0.5), round(y1 - 0.5) + 1))
    assert chart(at, "what_if_map") and chart(at, "what_if_delta")  # the difference from the untouched run

    # Reset puts them back.
    at.button(key="what_if_reset").click().run()
    assert _widget(at.pills, "what_if_rows_").value == [] and _said(at) is None

    # A band of rows in one drag.
    _widget(at.slider, "what_if_rows_").set_value((5, 8)).run()
    assert _widget(at.pills, "what_if_rows_").value == [5, 6, 7, 8] and _said(at).startswith("With 4 rows erased")

    # The fewest rows that change the answer: erased, and read as something else (or none, said so).
    untouched = int(np.argmax(predict_one(model, image)))
    at.button(key="what_if_flip").click().run()
    assert not at.exception
    (note,) = [c.value for c in at.caption if c.value.startswith("Erasing")]
    rows = _widget(at.pills, "what_if_rows_").value
    if "does not change" in note:
        assert rows == []
    else:
        after = int(np.argmax(predict_one(model, erase_rows(image, [r - 1 for r in rows]))))
        assert after != untouched and f"changes its answer to {after}" in note
        assert "a different answer" in _said(at)

    # Another input starts with no rows erased.
    at.session_state["input"] = {"image": data.x_test[4].astype(np.float32) / 255.0, "origin": "another"}
    at.run()
    assert not at.exception and _widget(at.pills, "what_if_rows_").value == []


def _a_clamp_that_changes_the_answer(model, image):
    """A unit of the image reader and a value that, held from row 1, change the model's answer (by direct calls)."""
    weights = hrnn_weights(model)
    vectors = probe(model, image).row_vectors
    untouched = intervene(weights, vectors).digit
    for unit in range(weights.column.units):
        for value in (-1.0, 1.0):
            held = intervene(weights, vectors, Clamp(IMAGE_READER, unit, value, 0))
            if held.digit != untouched:
                return unit, value, held
    raise AssertionError("no single unit held at -1 or +1 changes this model's answer")


def test_a_held_unit_changes_the_reading_as_the_row_by_row_pass_says_and_reset_lets_it_go():
    data = make_mnist()
    image = data.x_test[3].astype(np.float32) / 255.0
    model = load_model(os.environ["HRNN_PRETRAINED"])
    unit, value, held = _a_clamp_that_changes_the_answer(model, image)
    at = _inside_on(image)
    at.segmented_control(key="what_if_kind").set_value("hold").run()
    assert not at.exception and _said(at) is None  # no unit held yet
    _widget(at.slider, "what_if_value_").set_value(value)
    _widget(at.selectbox, "what_if_unit_").set_value(unit).run()
    assert not at.exception
    assert _said(at).startswith(f"With unit {unit} of the image reader held at {value:+.2f} from row 1 on")
    assert _reads(at) == held.digit and "a different answer" in _said(at)
    np.testing.assert_allclose(_after(at), held.probs, atol=1e-5)
    np.testing.assert_allclose(plotly_array(chart(at, "what_if_image")["data"][0]["z"]), image, atol=1e-6)  # untouched
    at.button(key="what_if_reset").click().run()
    assert _widget(at.selectbox, "what_if_unit_").value == -1 and _said(at) is None


def test_transplanted_rows_read_as_the_image_with_those_pixel_rows_copied():
    data = make_mnist()
    image = data.x_test[3].astype(np.float32) / 255.0
    model = load_model(os.environ["HRNN_PRETRAINED"])
    donor = int(np.flatnonzero(data.y_test == (data.y_test[3] + 5) % 10)[0])  # the gallery's digit of another class
    at = _inside_on(image)
    at.segmented_control(key="what_if_kind").set_value("transplant").run()
    at.button(key=f"what_if_donor_{donor}").click().run()
    _widget(at.pills, "what_if_moved_").set_value(list(range(1, 29))).run()  # every row: the donor itself
    assert not at.exception
    direct = predict_one(model, data.x_test[donor].astype(np.float32) / 255.0)
    assert _reads(at) == int(np.argmax(direct)), _said(at)
    np.testing.assert_allclose(_after(at), direct, atol=1e-4)
    rows = [r for r in range(1, 29) if data.x_test[donor][r - 1].max() > 200][:2]  # the donor's bar
    _widget(at.pills, "what_if_moved_").set_value(rows).run()
    edited = image.copy()
    edited[[r - 1 for r in rows]] = data.x_test[donor][[r - 1 for r in rows]] / 255.0
    assert _said(at).startswith(f"With rows {rows[0]} and {rows[1]} taken from test digit {donor}")
    np.testing.assert_allclose(_after(at), predict_one(model, edited), atol=1e-4)
    np.testing.assert_allclose(plotly_array(chart(at, "what_if_image")["data"][0]["z"]), edited, atol=1e-6)
    at.button(key="what_if_reset").click().run()
    assert _widget(at.pills, "what_if_moved_").value == [] and _said(at) is None
