"""No server path reaches a visitor: messages name a file by its last name only, on every page, in the text and in
the tooltips (the README promises it)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from hrnn import runs, settings
from tests.support.app import TIMEOUT, page, shown
from tests.support.run_files import BAD_RUN_ID, write_finished_run

PAGES = ["train", "draw", "inside", "evaluate"]
ELEMENTS = ("markdown", "caption", "error", "warning", "info", "success", "metric")


def everything_shown(at):
    """The text of every element of those kinds, and its tooltip, in the main area and the sidebar."""
    texts = []
    for kind in ELEMENTS:
        for element in at.get(kind):
            texts.append(shown(str(element.value)))
            texts.append(shown(getattr(element.proto, "help", "")))
    return texts


def render(name):
    at = AppTest.from_string(f"from hrnn.ui.{name}.page import render\nrender()", default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("name", ["train", "evaluate"])  # the pages that read the data at once
def test_a_broken_data_file_is_named_without_its_folder(monkeypatch, tmp_path, name):
    private = tmp_path / "private-folder"
    private.mkdir()
    (private / "mnist.npz").write_bytes(b"not an npz")
    monkeypatch.setenv("HRNN_MNIST", str(private / "mnist.npz"))
    texts = everything_shown(render(name))
    assert any("…/mnist.npz" in text for text in texts), texts
    assert not any("private-folder" in text for text in texts), texts


@pytest.mark.parametrize("name", PAGES)
def test_a_working_page_shows_no_server_path(tmp_path, name):
    texts = everything_shown(render(name))
    assert texts
    assert not any(str(tmp_path) in text for text in texts), texts


HOSTILE_TRAINED_ON = "[x](http://evil.example) /srv/app/x"


@pytest.mark.parametrize("name", ["draw", "inside", "evaluate"])  # the pages with the model picker
def test_what_a_run_says_it_was_trained_on_is_shown_as_text_without_its_path(small_model, name):
    folder = write_finished_run(settings.runs_dir() / BAD_RUN_ID, small_model)
    summary = json.loads(folder.file(runs.SUMMARY_NAME).read_text())
    folder.file(runs.SUMMARY_NAME).write_text(json.dumps({**summary, "trained_on": HOSTILE_TRAINED_ON}))
    at = page(name)
    at.query_params["model"] = BAD_RUN_ID
    at.run()
    assert not at.exception
    (caption,) = [c.value for c in at.sidebar.caption if shown(c.value).startswith("Trained on")]
    assert "](" not in caption.replace("\\]\\(", "") and "/srv/app" not in shown(caption), caption
    assert shown(caption) == "Trained on [x](http://evil.example) …/x.", caption
