"""Who may stop a run on the Train page: only the browser that started it. Anyone else who opens its link watches it
(no Stop), may start a run of their own, and, by a watch-only link, has nothing to press; a stopped run says who
stopped it. The real browser's refresh (the key kept in a cookie) is tests/e2e/test_runs_browser.py's."""

import secrets

import pytest

from hrnn import runs, settings
from hrnn.cli import main
from hrnn.runs.launch.launcher import create_run
from hrnn.train.config import TrainConfig
from hrnn.train.history import utc_now
from hrnn.ui.common import ownership
from tests.support.app import page, set_small_config, shown

TEACHER_KEY = secrets.token_urlsafe(24)


def _stop_buttons(at):
    return [b for b in at.button if b.key == "stop"]


@pytest.fixture
def teachers_run(run_in_training):
    """A run the teacher's browser started, training now."""
    return run_in_training(owner=TEACHER_KEY)


def _open(run_id, key=None, **query):
    at = page("train")
    at.query_params["run"] = run_id
    for name, value in query.items():
        at.query_params[name] = value
    if key is not None:
        at.session_state[ownership.KEY] = key  # what the browser's cookie gives its session
    return at.run()


def test_the_run_keeps_only_a_digest_of_its_owners_key():
    folder = create_run(TrainConfig(epochs=1).check(), "sample", owner=TEACHER_KEY)
    stored = folder.file(runs.SETTINGS_NAME).read_text()
    assert TEACHER_KEY not in stored and runs.owner_digest(TEACHER_KEY) in stored
    assert folder.owned_by(TEACHER_KEY)
    assert not folder.owned_by(secrets.token_urlsafe(24)) and not folder.owned_by(None)
    assert not folder.owned_by(runs.owner_digest(TEACHER_KEY))  # the digest itself is no key
    from_the_cli = create_run(TrainConfig(epochs=1).check(), "sample")
    assert not from_the_cli.owned_by(TEACHER_KEY) and not from_the_cli.owned_by("")


def test_the_owner_sees_stop_and_stops_it(teachers_run):
    at = _open(teachers_run.run_id, key=TEACHER_KEY)
    assert not at.exception
    assert at.button(key="start").disabled and not at.button(key="stop").disabled
    at.button(key="stop").click().run()
    assert not at.exception
    assert teachers_run.read_stop_request().by == runs.STOPPED_BY_OWNER
    assert "Stopping after the current batch, asked by the person who started it" in at.get("progress")[0].proto.text


@pytest.mark.parametrize(
    "key",
    [None, secrets.token_urlsafe(24), runs.owner_digest(TEACHER_KEY)],
    ids=["a new browser", "another browser's key", "the digest kept in the run's settings"],
)
def test_anyone_else_who_opens_the_link_watches_and_cannot_stop(teachers_run, key):
    at = _open(teachers_run.run_id, key=key)
    assert not at.exception
    assert not _stop_buttons(at)  # nothing to press, so nothing to forge a press of
    assert any("only the browser that started it can stop it" in c.value for c in at.caption)
    assert not at.button(key="start").disabled  # a run of one's own
    assert "Epoch" in at.get("progress")[0].proto.text or "Starting" in at.get("progress")[0].proto.text
    assert not teachers_run.stop_requested


def test_a_watcher_starts_a_run_of_their_own_and_owns_it(teachers_run, no_workers):
    at = _open(teachers_run.run_id)
    set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    assert not at.exception
    mine = at.query_params["run"]
    assert mine != teachers_run.run_id
    assert runs.find_run(mine).folder.owned_by(at.session_state[ownership.KEY])
    assert not teachers_run.owned_by(at.session_state[ownership.KEY])
    assert not at.button(key="stop").disabled and at.button(key="stop").label == "Cancel"  # its own


def test_a_watch_only_link_has_nothing_to_press_and_the_owners_share_box_offers_it(teachers_run):
    teacher = _open(teachers_run.run_id, key=TEACHER_KEY, teacher="1")
    links = [c.value for c in teacher.code]
    assert any(link.endswith(f"?run={teachers_run.run_id}&watch=1") for link in links), links
    watcher = _open(teachers_run.run_id, key=TEACHER_KEY, watch="1")  # even the owner's browser: watching only
    assert not watcher.exception
    assert not [b for b in watcher.button if b.key in ("start", "stop")]
    assert not [e for e in watcher.expander if e.label == "Settings"]
    assert watcher.get("progress"), "the run's progress is shown"


def _end_as_its_worker_would(folder):
    record = folder.read_record()
    record.status, record.started, record.wall_seconds, record.partial_epoch_batches = "stopped", utc_now(), 4.0, 3
    folder.write_record(record)


@pytest.mark.parametrize(
    "who, line",
    [("owner", "Stopped by the person who started it."), ("server", "Stopped from the server.")],
)
def test_a_stopped_run_says_who_stopped_it(teachers_run, monkeypatch, who, line):
    if who == "owner":
        _open(teachers_run.run_id, key=TEACHER_KEY).button(key="stop").click().run()
    else:
        monkeypatch.setenv("HRNN_RUNS_DIR", str(settings.runs_dir()))
        assert main(["stop", teachers_run.run_id]) == 0  # the operator may stop any run
    _end_as_its_worker_would(teachers_run)
    watcher = _open(teachers_run.run_id)
    assert not watcher.exception
    assert [c.value for c in watcher.caption if c.value.startswith("Stopped ")] == [line]
    assert not any("Your model" in m.value for m in watcher.markdown)  # the teacher's model, not the student's
    assert any("The run stopped after 3 batches" in shown(s.value) for s in watcher.success)
