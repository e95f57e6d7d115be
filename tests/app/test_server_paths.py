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
@pytest.mark.parametrize("field", ["trained_on", "data_kind"])  # the old summary's sentence; today's kind
def test_words_a_run_folder_holds_about_its_data_are_never_shown(small_model, name, field):
    """What a model was trained on is said in the app's own words, from a kind it knows: words in a summary that
    hrnn never wrote (a link, a server path) show nothing, and the page works."""
    folder = write_finished_run(settings.runs_dir() / BAD_RUN_ID, small_model)
    summary = json.loads(folder.file(runs.SUMMARY_NAME).read_text())
    del summary["data_kind"]  # without it, the summary is read as an old one, whose `trained_on` was a sentence
    folder.file(runs.SUMMARY_NAME).write_text(json.dumps({**summary, field: HOSTILE_TRAINED_ON}))
    at = page(name)
    at.query_params["model"] = BAD_RUN_ID
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="model_choice").value == BAD_RUN_ID
    assert not [c.value for c in at.sidebar.caption if shown(c.value).startswith("Trained on")]
    assert not [text for text in everything_shown(at) if "evil" in text or "/srv/app" in text]
