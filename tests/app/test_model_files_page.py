"""Take a model home and bring one back: download buttons for a model, its record and its curves; a `.keras` upload
in the model picker, checked as the server's own files are, for this session only."""

import os

import keras
import pytest
from streamlit.testing.v1 import AppTest

from hrnn import runs
from hrnn.ui.common import model_upload
from tests.support.app import page, shown

TIMEOUT = 120


def _upload(monkeypatch, name, data):
    monkeypatch.setattr(
        "hrnn.ui.common.model_upload._read_upload", lambda where, key: (name, data) if key == "model_upload" else None
    )


def test_an_uploaded_model_becomes_this_sessions_model_and_reads_digits(monkeypatch, tmp_path):
    monkeypatch.setattr(model_upload, "uploads_dir", lambda: tmp_path / "uploads")
    _upload(monkeypatch, "mine.keras", open(os.environ["HRNN_PRETRAINED"], "rb").read())
    at = page("draw").run()
    assert not at.exception and not at.error
    picker = at.sidebar.selectbox(key="model_choice")
    assert picker.value.startswith("upload-") and picker.format_func(picker.value) == "mine.keras (uploaded)"
    assert "model" not in at.query_params  # another browser could not open it: it is this session's alone
    at.radio(key="input_source").set_value("Test digit").run()
    assert not at.exception and at.metric[0].label == "Prediction"
    assert any("unknown data (an uploaded file)" in shown(c.value) for c in at.sidebar.caption)
    at.sidebar.selectbox(key="model_choice").set_value("pretrained").run()  # the shipped model; the upload stays
    assert at.sidebar.selectbox(key="model_choice").options[-1] == "mine.keras (uploaded)"


def test_a_file_that_is_not_an_hrnn_model_is_one_line_and_the_page_stays_usable(monkeypatch, tmp_path):
    monkeypatch.setattr(model_upload, "uploads_dir", lambda: tmp_path / "uploads")
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.save(tmp_path / "dense.keras")
    cases = [
        ("notes.keras", b"these are notes, not a model", "not a Keras model file"),
        ("dense.keras", (tmp_path / "dense.keras").read_bytes(), "not a known architecture"),
        (
            "huge.keras",
            b"x" * (model_upload.MAX_MODEL_BYTES + 1),
            "it is 20.0 MB; model files of up to 20 MB are taken",
        ),
    ]
    for name, content, reason in cases:  # one at a time, each in a new session
        _upload(monkeypatch, name, content)
        at = page("draw").run()
        assert not at.exception
        (error,) = at.sidebar.error
        message = shown(error.value)
        assert message.startswith(f"Cannot use {name}: ") and reason in message and "\n" not in message, message
        assert str(tmp_path) not in message and "/tmp" not in message and "…" not in message  # no server path
        assert at.sidebar.selectbox(key="model_choice").value == "pretrained"
        at.radio(key="input_source").set_value("Test digit").run()
        assert not at.exception and at.metric[0].label == "Prediction"
        assert not list((tmp_path / "uploads").glob("*.keras")), name  # a refused file is not kept


def test_old_uploads_make_room_for_new_ones(monkeypatch, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setattr(model_upload, "uploads_dir", lambda: folder)
    monkeypatch.setattr(model_upload, "UPLOADS_CAP_BYTES", 3000)
    for k, age in enumerate((300, 200, 100)):
        path = folder / f"{k}.keras"
        path.write_bytes(bytes(1000))
        os.utime(path, (path.stat().st_mtime - age,) * 2)
    model_upload._make_room(1500)  # the two oldest go
    assert sorted(p.name for p in folder.iterdir()) == ["2.keras"]
    with pytest.raises(OSError):
        model_upload._make_room(5000)  # larger than the cap itself


def _downloads(at):
    return {b.proto.label: b for b in at.get("download_button")}


def test_evaluate_offers_the_shipped_models_file():
    at = AppTest.from_string("from hrnn.ui.evaluate.page import render\nrender()", default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "Model (.keras)" in _downloads(at)


def test_a_finished_run_offers_its_model_record_and_curves():
    from tests.support.app import tiny_run

    folder = tiny_run("20250101-000000-done")
    at = page("train")
    at.query_params["run"] = folder.name
    at.run()
    assert not at.exception
    assert set(_downloads(at)) == {"Model (.keras)", "Record (.json)", "Curves (.csv)"}
    assert runs.find_run(folder.name).has_model
