"""Every page runs under Streamlit's AppTest: training, stopping, drawing, picking, uploading, looking inside."""

import io
import time

import numpy as np
import pytest
import streamlit as st
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from hrnn.config import TrainConfig
from hrnn.training import train
from tests.conftest import REPO, write_npz

TIMEOUT = 120


@pytest.fixture(autouse=True)
def app_env(monkeypatch, tmp_path, tiny_data):
    """Synthetic data and a small trained model; fresh Streamlit caches for each test."""
    monkeypatch.setenv("HRNN_MNIST", str(write_npz(tmp_path / "mnist.npz", tiny_data)))
    model_path = tmp_path / "small.keras"
    config = TrainConfig(epochs=1, row_units=8, col_units=8, validation="none", test_limit=0)
    train(config, tiny_data, keep_model=True).model.save(model_path)
    monkeypatch.setenv("HRNN_PRETRAINED", str(model_path))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def page(name):
    return AppTest.from_string(f"from hrnn.ui import {name}\n{name}.render()", default_timeout=TIMEOUT)


class FakeCanvas:
    """Stands in for streamlit-drawable-canvas: returns a fixed RGBA drawing, as the component would."""

    def __init__(self, rgba):
        self.rgba = rgba
        self.calls = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        rgba = self.rgba

        class Result:
            image_data = rgba

        return Result()


def drawn_bar(row=10):
    """A canvas with a thick horizontal white stroke on a transparent background."""
    image = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(40, row * 10), (240, row * 10)], fill=(255, 255, 255, 255), width=22)
    return np.asarray(image)


def test_app_starts_on_the_train_page():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Train the hierarchical RNN"
    assert "200 training and 60 test images" in at.caption[0].value


def _set_small_config(at, epochs=1):
    for key, value in {
        "cfg_epochs": epochs,
        "cfg_batch_size": 32,
        "cfg_row_units": 8,
        "cfg_col_units": 8,
        "cfg_optimizer": "rmsprop",
        "cfg_learning_rate": 0.001,
        "cfg_train_size": 180,
    }.items():
        at.session_state[key] = value


def _wait_for(at, predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_a_tiny_training_run_completes_with_curves():
    at = page("train_page").run()
    _set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    assert not at.exception
    run = at.session_state["train_run"]
    assert _wait_for(at, lambda: not run.alive)
    at.run()
    assert not at.exception
    snap = run.progress.snapshot()
    assert snap.status == "finished" and len(snap.batch_loss) == 6
    live = at.get("plotly_chart")
    assert live, "no chart drawn"
    assert any("finished after 1 epoch" in s.value for s in at.success)
    assert any(row.get("status") == "finished" for row in at.dataframe[0].value.to_dict("records"))


def test_stop_stops_the_run():
    at = page("train_page").run()
    _set_small_config(at, epochs=50)
    at.run()
    at.button(key="start").click().run()
    run = at.session_state["train_run"]
    assert _wait_for(at, lambda: run.progress.snapshot().samples_seen > 0)
    at.button(key="stop").click().run()
    assert _wait_for(at, lambda: not run.alive, timeout=60)
    at.run()
    snap = run.progress.snapshot()
    assert snap.status == "stopped" and snap.epoch < 50
    assert not at.exception


def test_seed_preset_fills_in_the_seeds_settings():
    at = page("train_page").run()
    at.button(key="preset_seed").click().run()
    assert at.number_input(key="cfg_epochs").value == 5
    assert at.number_input(key="cfg_row_units").value == 128
    assert at.number_input(key="cfg_train_size").value == 180  # all the (synthetic) images not held out


def test_a_drawing_leads_to_a_prediction(monkeypatch):
    fake = FakeCanvas(drawn_bar())
    monkeypatch.setattr("hrnn.ui.draw_page.st_canvas", fake)
    at = page("draw_page").run()
    assert not at.exception
    assert fake.calls and fake.calls[0]["return_image_data"] is True
    (metric,) = at.metric
    assert metric.label == "Prediction" and metric.value in [str(d) for d in range(10)]
    assert at.session_state["input"]["origin"] == "your drawing"


def test_an_empty_canvas_shows_the_prompt(monkeypatch):
    monkeypatch.setattr("hrnn.ui.draw_page.st_canvas", FakeCanvas(np.zeros((280, 280, 4), np.uint8)))
    at = page("draw_page").run()
    assert not at.exception
    assert not at.metric
    assert any("Draw a digit on the canvas" in i.value for i in at.info)


def test_picking_a_test_digit_classifies_it():
    at = page("draw_page").run()
    at.radio(key="input_source").set_value("Test digit").run()
    at.number_input(key="test_index").set_value(7).run()
    assert not at.exception
    assert at.metric[0].label == "Prediction"
    assert "test image 7" in at.session_state["input"]["origin"]


def test_uploading_an_image_classifies_it(monkeypatch):
    buf = io.BytesIO()
    Image.fromarray(drawn_bar()[..., 3]).save(buf, format="PNG")
    monkeypatch.setattr("hrnn.ui.draw_page._read_upload", lambda: ("digit.png", buf.getvalue()))
    at = page("draw_page").run()
    at.radio(key="input_source").set_value("Upload").run()
    assert not at.exception
    assert at.metric[0].label == "Prediction"
    assert at.session_state["input"]["origin"] == "upload digit.png"


def test_a_bad_upload_gives_a_message_and_the_page_stays_usable(monkeypatch):
    monkeypatch.setattr("hrnn.ui.draw_page._read_upload", lambda: ("notes.png", b"this is not a picture"))
    at = page("draw_page").run()
    at.radio(key="input_source").set_value("Upload").run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("notes.png: ") and "not an image" in error.value
    at.radio(key="input_source").set_value("Test digit").run()
    assert at.metric[0].label == "Prediction"


def test_inside_page_shows_the_heatmaps():
    at = page("inside_page").run()
    assert not at.exception
    keys = {chart.proto.id for chart in at.get("plotly_chart")}
    assert len(keys) == 4
    at.selectbox(key="unit_order").set_value("separation").run()
    assert not at.exception


def test_inside_page_uses_the_current_drawing(monkeypatch):
    monkeypatch.setattr("hrnn.ui.draw_page.st_canvas", FakeCanvas(drawn_bar(row=5)))
    at = page("draw_page").run()
    drawn = at.session_state["input"]["image"]
    inside = page("inside_page")
    inside.session_state["input"] = {"image": drawn, "origin": "your drawing"}
    inside.run()
    assert not inside.exception
    assert "Input: your drawing" in inside.caption[0].value


def test_a_broken_model_file_is_reported_not_raised(monkeypatch, tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_text("nope")
    monkeypatch.setenv("HRNN_PRETRAINED", str(bad))
    at = page("draw_page").run()
    assert not at.exception
    assert any("Cannot use this model" in e.value for e in at.sidebar.error)


def test_missing_data_is_reported_not_raised(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_MNIST", str(tmp_path / "absent.npz"))
    at = page("train_page").run()
    assert not at.exception
    assert "absent.npz: no such file" in at.error[0].value


def test_two_sessions_train_at_once():
    first, second = page("train_page").run(), page("train_page").run()
    for at in (first, second):
        _set_small_config(at)
        at.run()
        at.button(key="start").click().run()
    runs = [at.session_state["train_run"] for at in (first, second)]
    assert runs[0].run_id != runs[1].run_id
    assert all(_wait_for(first, lambda r=r: not r.alive) for r in runs)
    assert [r.progress.snapshot().status for r in runs] == ["finished", "finished"]


def _finished_small_run(at, epochs=1):
    _set_small_config(at, epochs)
    at.run()
    at.button(key="start").click().run()
    run = at.session_state["train_run"]
    assert _wait_for(at, lambda: not run.alive)
    at.run()
    assert not at.exception
    return run


def test_start_is_disabled_and_the_settings_fold_away_while_a_run_trains():
    at = page("train_page").run()
    assert at.expander[0].proto.expanded
    _set_small_config(at, epochs=50)
    at.run()
    at.button(key="start").click().run()
    run = at.session_state["train_run"]
    assert at.button(key="start").disabled and not at.button(key="stop").disabled
    assert not at.expander[0].proto.expanded
    at.button(key="stop").click().run()
    assert _wait_for(at, lambda: not run.alive, timeout=60)
    at.run()
    assert not at.button(key="start").disabled


def test_a_finished_run_shows_the_digit_grid_and_a_verdict_against_the_shipped_model():
    at = page("train_page").run()
    run = _finished_small_run(at)
    snap = run.progress.snapshot()
    assert len(snap.grid_predictions) == len(snap.grid_labels) > 0
    assert at.get("image"), "no digit grid drawn"
    assert any(f"It reads {snap.grid_correct} of {len(snap.grid_labels)} right" in c.value for c in at.caption)
    accuracy = run.result.record["test_accuracy"]
    (headline,) = [m.value for m in at.markdown if m.value.startswith("### Your model reads")]
    assert f"({accuracy:.1%} of 60)" in headline and "the shipped model reads" in headline


def test_try_it_on_draw_opens_draw_with_the_runs_model():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    run = _finished_small_run(at)
    at.button(key="try_on_draw").click().run()
    assert not at.exception
    assert at.title[0].value == "Draw a digit"
    assert at.session_state["current_model"] == run.run_id
    assert at.sidebar.selectbox(key="model_choice").value == run.run_id
