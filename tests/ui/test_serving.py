"""Safe by default: the Streamlit config binds to this machine and hides error details; the README says how to
serve the app to others."""

import tomllib

from streamlit import config as streamlit_config

from tests.conftest import REPO


def app_config():
    return tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())


def test_the_app_listens_on_this_machine_only():
    assert app_config()["server"]["address"] == "127.0.0.1"


def test_visitors_see_no_error_details():
    value = app_config()["client"]["showErrorDetails"]
    assert value == "none"
    assert value in {option.value for option in streamlit_config.ShowErrorDetailsConfigOptions}


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
