"""Inside the network's "What if?": erased rows change the reading exactly as the model says; the search for the
fewest rows that change the answer; reset."""

import base64
import json
import os
import re

import numpy as np

from hrnn.analysis.interventions import erase_rows
from hrnn.nn.model_files import load_model
from hrnn.nn.probe import predict_one
from tests.app.test_app import page
from tests.conftest import make_mnist


def _inside_on(image):
    at = page("inside_page")
    at.session_state["input"] = {"image": image, "origin": "a test digit"}
    return at.run()


def _rows_widget(at):
    (widget,) = [m for m in at.multiselect if m.key.startswith("what_if_rows_")]
    return widget


def _array(value):
    """A figure's array as plotly's JSON holds it: a list, or typed bytes `{"dtype", "bdata", "shape"}`."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value["shape"]).split(",")]).astype(np.float32)
    return np.asarray(value, dtype=np.float32)


def _said(at):
    """The sentence that gives the reading with rows erased."""
    (line,) = [m.value for m in at.markdown if m.value.startswith("With ")]
    return line


def test_erased_rows_read_as_the_model_reads_them_the_fewest_that_change_it_are_found_and_reset_restores():
    # One page session through the whole section: the Inside page's first run computes its state map (seconds).
    data = make_mnist()
    image = data.x_test[3].astype(np.float32) / 255.0
    model = load_model(os.environ["HRNN_PRETRAINED"])
    at = _inside_on(image)
    assert not at.exception and _rows_widget(at).value == []

    # Erased rows: the edited image is the input with exactly those rows blank, read as the model reads it.
    rows = [int(r) for r in np.flatnonzero(image.any(axis=1))[:3] + 1]  # the first three rows with ink, 1-based
    _rows_widget(at).set_value(rows).run()
    assert not at.exception
    digit = int(np.argmax(predict_one(model, erase_rows(image, [r - 1 for r in rows]))))
    assert re.match(rf"With 3 rows erased it reads \*\*{digit}\*\* \(", _said(at)), _said(at)
    (shown,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("what_if_image")]
    erased = _array(json.loads(shown.proto.spec)["data"][0]["z"])
    np.testing.assert_allclose(erased, erase_rows(image, [r - 1 for r in rows]), atol=1e-6)  # rows 1.. are 0..
    assert len([c for c in at.get("plotly_chart") if c.proto.id.endswith("what_if_bars")]) == 1

    # Reset puts them back.
    at.button(key="what_if_reset").click().run()
    assert _rows_widget(at).value == [] and not [m for m in at.markdown if m.value.startswith("With ")]

    # The fewest rows that change the answer: erased, and read as something else (or none, said so).
    untouched = int(np.argmax(predict_one(model, image)))
    at.button(key="what_if_flip").click().run()
    assert not at.exception
    (note,) = [c.value for c in at.caption if c.value.startswith("Erasing")]
    rows = _rows_widget(at).value
    if "does not change" in note:
        assert rows == []
    else:
        after = int(np.argmax(predict_one(model, erase_rows(image, [r - 1 for r in rows]))))
        assert after != untouched and f"changes its answer to {after}" in note
        assert "a different answer" in _said(at)

    # Another input starts with no rows erased.
    at.session_state["input"] = {"image": data.x_test[4].astype(np.float32) / 255.0, "origin": "another"}
    at.run()
    assert not at.exception and _rows_widget(at).value == []
