"""The Train page on a crowded server: a queued run's place in line and its wait, guessed from the runs ahead; one
session's cap on its queued or training runs (`HRNN_MAX_RUNS_PER_SESSION`), refused plainly with its run offered;
Cancel for a queued run; and one line, not a traceback, when Ray is asked for and cannot be had."""

import fcntl
import os
import sys
from types import SimpleNamespace

import pytest

from hrnn import runs, settings
from hrnn.runs.launch.launcher import create_run
from hrnn.train.config import TrainConfig
from hrnn.ui.common import ownership
from hrnn.ui.train import page as train_page
from hrnn.ui.train import queue_wait
from tests.support.app import page, set_small_config, shown


def small(epochs=3):
    return TrainConfig(epochs=epochs, row_units=8, image_units=8).check()


@pytest.fixture
def training_run(run_in_training):
    """A run training now, started from the command line (no owner in the app)."""
    return run_in_training()


def test_a_queued_run_says_its_place_in_line_and_a_wait_from_the_runs_ahead(monkeypatch, training_run):
    monkeypatch.setenv("HRNN_MAX_RUNS", "1")
    # The run training now has two minutes left, at 10 images a second.
    progress = SimpleNamespace(eta_seconds=120.0, samples_per_second=10.0)
    monkeypatch.setattr(queue_wait, "run_snapshot", lambda entry: progress)
    first = create_run(small(epochs=3), "sample", settings.runs_dir())  # 3 x 180 images: 54 s, and 10 s to start
    mine = create_run(small(epochs=1), "sample", settings.runs_dir(), owner="k" * 32)
    at = page("train")
    at.query_params["run"] = mine.run_id
    at.session_state[ownership.KEY] = "k" * 32  # this browser's run: Cancel is its own
    at.run()
    assert not at.exception
    (bar,) = at.get("progress")
    # 120 s for the run training, then 64 s for the first in line: about 3 minutes.
    assert bar.proto.text == "Queued, 2nd in line: it should start in about 3 min (a guess from the runs ahead of it)"
    assert at.button(key="stop").label == "Cancel"
    at.query_params["run"] = first.run_id
    at.run()
    assert at.get("progress")[0].proto.text.startswith("Queued, 1st in line: it should start in about 2 min")


def test_a_queued_runs_wait_is_not_guessed_before_anything_trains_at_a_known_speed(monkeypatch, training_run):
    monkeypatch.setenv("HRNN_MAX_RUNS", "1")
    starting = SimpleNamespace(eta_seconds=None, samples_per_second=0.0)  # before its first batch
    monkeypatch.setattr(queue_wait, "run_snapshot", lambda entry: starting)
    mine = create_run(small(), "sample", settings.runs_dir())
    at = page("train")
    at.query_params["run"] = mine.run_id
    at.run()
    assert at.get("progress")[0].proto.text == "Queued, 1st in line: it starts when one of the runs training now ends"


def test_cancel_takes_a_queued_run_out_of_the_line(no_workers):
    at = page("train").run()
    set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    run_id = at.query_params["run"]
    assert at.button(key="stop").label == "Cancel"
    at.button(key="stop").click().run()
    assert not at.exception and runs.find_run(run_id).folder.stop_requested


def test_the_page_is_redrawn_when_its_queued_run_starts_training(no_workers):
    """The live panel reruns alone every second; the buttons above it are redrawn only when the whole page is. A run
    that was queued when the page was drawn (as just after Start) and trains now must redraw it, else its Stop button
    reads Cancel for the whole run (seen in measure/load_class.py with two Starts at once)."""
    folder = create_run(small(), "sample", settings.runs_dir())  # no worker yet: queued
    entry = runs.find_run(folder.run_id)
    assert entry.status == "queued" and not train_page._page_outdated(entry, drawn_queued=True)
    assert train_page._page_outdated(entry, drawn_queued=False)
    record = folder.read_record()
    record.status = "running"
    folder.write_record(record)
    folder.write_heartbeat(folder.read_settings().token)
    lock = os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entry = runs.find_run(folder.run_id)
        assert entry.status == "running" and train_page._page_outdated(entry, drawn_queued=True)
        assert not train_page._page_outdated(entry, drawn_queued=False)
    finally:
        os.close(lock)
    assert train_page._page_outdated(None, drawn_queued=False)  # the run is gone


@pytest.mark.parametrize("allowed", [1, 2])
def test_a_session_may_hold_only_as_many_runs_as_the_server_allows(monkeypatch, no_workers, allowed):
    monkeypatch.setenv("HRNN_MAX_RUNS_PER_SESSION", str(allowed))
    at = page("train").run()
    set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    first = at.query_params["run"]
    del at.query_params["run"]  # the page leaves its run (it watched another run, which ended)
    at.session_state["watched_run"] = None
    at.run()
    at.button(key="start").click().run()
    assert not at.exception
    started = [e.run_id for e in runs.list_runs()]
    if allowed == 2:
        assert len(started) == 2 and at.query_params["run"] != first
        return
    assert started == [first]  # refused: nothing made
    (warning,) = at.warning
    assert shown(warning.value).startswith("This server lets each browser have 1 run queued or training")
    at.button(key=f"watch_held_{first}").click().run()  # the run it holds, offered
    assert at.query_params["run"] == first and at.button(key="start").disabled


@pytest.mark.parametrize(
    "launcher, ray_module, line",
    [
        ("ray", None, "HRNN_LAUNCHER=ray, but Ray is not installed: pip install -r requirements-scale.txt"),
        ("slurm", "unused", "HRNN_LAUNCHER must be one of local, ray, got 'slurm'"),
    ],
    ids=["no Ray installed", "an unknown launcher"],
)
def test_a_launcher_that_cannot_be_had_is_one_line_and_runs_train_here(monkeypatch, launcher, ray_module, line):
    monkeypatch.setenv("HRNN_LAUNCHER", launcher)
    if ray_module is None:
        monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    at = page("train").run()
    assert not at.exception
    assert [shown(w.value) for w in at.warning] == [f"{line}. Runs train on this machine."]
    assert not at.button(key="start").disabled
