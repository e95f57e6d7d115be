"""A runs folder the app cannot write (a read-only mount, a folder owned by someone else): every page works, the saved
runs are listed, and Start says in one line, without the server's path, why it cannot train.

Tests may run as root, whom a folder's mode does not stop: there `deny_access` simulates the read-only folder by making
the `os` and `io` calls that would write in it raise PermissionError (see tests/conftest.py)."""

import pytest
from streamlit.testing.v1 import AppTest

from hrnn import settings
from tests.support.app import TIMEOUT, set_small_config, shown
from tests.support.data import REPO
from tests.support.run_files import write_finished_run

GOOD_RUN_ID = "20250101-000000-good"
# What app.py does before drawing any page: start the launcher, which starts its warm spare worker in the runs folder.
# (AppTest cannot switch app.py to a page that `st.navigation` made from a function, so the other pages run so.)
STARTED_AS_THE_APP = """
from hrnn.ui.{name}.page import render
from hrnn.ui.common.resources import start_launcher
start_launcher()
render()
"""


@pytest.fixture
def read_only_runs(monkeypatch, deny_access, small_model):
    monkeypatch.delenv(
        "HRNN_NO_WARMUP"
    )  # as served: the launcher keeps a spare worker, whose log is in the runs folder
    write_finished_run(settings.runs_dir() / GOOD_RUN_ID, small_model)
    return deny_access(settings.runs_dir(), writes_only=True)


def test_the_app_opens_and_start_says_in_one_line_why_it_cannot_train(read_only_runs):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    rows = {r["id"]: r["status"] for r in at.dataframe[0].value.to_dict("records")}
    assert rows == {GOOD_RUN_ID: "finished"}
    set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    assert not at.exception and "run" not in at.query_params
    (error,) = at.error
    assert shown(error.value) == "Cannot train here: the runs folder is read-only"
    assert list(settings.runs_dir().iterdir()) == [settings.runs_dir() / GOOD_RUN_ID]  # nothing was written


@pytest.mark.parametrize("name", ["draw", "inside", "evaluate"])
def test_every_other_page_works(read_only_runs, name):
    at = AppTest.from_string(STARTED_AS_THE_APP.format(name=name), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert not at.error
