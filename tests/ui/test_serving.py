"""Safe by default: the Streamlit config binds to this machine and hides error details, the app answers only this
machine when it was started without its settings, and the README says how to serve the app to others."""

import tomllib

import pytest
from streamlit import config as streamlit_config

from hrnn.ui.common.serving import is_this_machine
from tests.support.data import REPO


def app_config():
    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())


def test_the_app_listens_on_this_machine_only():
    assert app_config()["server"]["address"] == "127.0.0.1"


def test_visitors_see_no_error_details():
    value = app_config()["client"]["showErrorDetails"]
    assert value == "none"
    assert value in {option.value for option in streamlit_config.ShowErrorDetailsConfigOptions}


def test_the_server_watches_no_source_files():
    """Streamlit's file watcher walks every imported module after each script run, on the event loop that serves
    every page: with 30 sessions open no page loaded within two minutes (measure/load_class.py)."""
    assert app_config()["server"]["fileWatcherType"] == "none"


def test_every_option_in_the_config_is_one_streamlit_knows():
    known = streamlit_config.get_config_options()
    for section, options in app_config().items():
        for name in options:
            assert f"{section}.{name}" in known, f"{section}.{name}"


def test_the_readme_says_how_to_serve_it_to_others():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Serving it to others", 1)[1].split("\n## ", 1)[0]
    for needed in ("--server.address 0.0.0.0", "reverse proxy", "HRNN_MAX_RUNS", "HRNN_MAX_EPOCHS", "HRNN_MAX_UNITS"):
        assert needed in section, needed
    assert "HRNN_RUNS_DISK_MB" in section


@pytest.mark.parametrize(
    "address, local",
    [
        (None, True),  # Streamlit's word for a browser on this machine
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # a server on "::" sees IPv4 loopback so
        ("192.0.2.2", False),
        ("::ffff:192.0.2.2", False),
        ("fe80::1%eth0", False),
        ("not an address", False),
    ],
)
def test_only_loopback_is_this_machine(address, local):
    assert is_this_machine(address) is local


GUARDED_PAGE = """
from hrnn.ui.common.serving import answer_only_whom_the_server_allows
import streamlit as st

answer_only_whom_the_server_allows()
st.title("The page")
"""


@pytest.mark.parametrize(
    "address_set, visitor, answered",
    [
        (False, "192.0.2.2", False),  # started without its settings: another machine gets one line
        (False, None, True),  # ...and this machine the page
        (True, "192.0.2.2", True),  # an address set on purpose (to serve others): everyone gets the page
    ],
)
def test_a_visitor_from_another_machine_is_answered_only_where_the_server_was_started_to_serve_others(
    monkeypatch, address_set, visitor, answered
):
    from streamlit.testing.v1 import AppTest

    from hrnn.ui.common import serving

    monkeypatch.setattr(serving, "_never_set", lambda option: option == "server.address" and not address_set)
    monkeypatch.setattr(serving, "_visitor_address", lambda: visitor)
    at = AppTest.from_string(GUARDED_PAGE, default_timeout=60).run()  # its first run imports hrnn.ui on a busy machine
    assert not at.exception
    assert [t.value for t in at.title] == (["The page"] if answered else [])
    assert [e.value for e in at.error] == ([] if answered else [serving.REFUSED])
