"""Runs through Ray, for real: one local Ray of two CPUs shared by this file's tests, tiny runs trained by Ray tasks.
A run trains to the end without a training slot and is listed; a run waiting for Ray's CPUs reads as queued and can
be cancelled; a killed Ray worker's run reads as interrupted and is not run again; a node that does not see the run
folder fails the run with one line; a run started on the Train page trains on Ray, shows live and stops mid-way.
Skipped without Ray (`requirements-scale.txt`). Each run pays for a fresh process importing TensorFlow: three here."""

import dataclasses
import os
import signal

import pytest

ray = pytest.importorskip("ray")

from hrnn import runs, settings  # noqa: E402 - after the skip: without Ray, nothing here runs
from hrnn.runs.launch.launcher import create_run  # noqa: E402
from hrnn.runs.launch.ray_launcher import RayLauncher  # noqa: E402
from hrnn.runs.launch.slots import SlotQueue  # noqa: E402
from hrnn.runs.store import liveness  # noqa: E402
from hrnn.runs.store.progress_log import ProgressLogReader  # noqa: E402
from hrnn.words import outcome_words  # noqa: E402
from tests.support.data import write_npz  # noqa: E402
from tests.support.waiting import wait_until  # noqa: E402
from tests.support.workers import status, tiny  # noqa: E402

pytestmark = pytest.mark.xdist_group("ray")  # one Ray for the whole file, in one test worker


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """A local Ray of two CPUs, without a dashboard, token files in the home folder or usage reports."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_AUTH_MODE", "disabled")
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            yield
        finally:
            ray.shutdown()


@pytest.fixture
def npz(tmp_path, tiny_data):
    return str(write_npz(tmp_path / "mnist.npz", tiny_data))


@pytest.fixture
def open_launcher():
    """`open_launcher(cpus)`: a RayLauncher whose runs ask for `cpus` CPUs each; closed after the test."""
    made = []

    def make(cpus):
        made.append(RayLauncher(cpus=cpus, nice=0))
        return made[-1]

    yield make
    for launcher in made:
        launcher.close()


def training(folder):
    reader = ProgressLogReader(folder.progress_path)
    return lambda: reader.snapshot().samples_seen > 0


def worker_log(folder):
    path = folder.file(runs.LOG_NAME)
    return path.read_text() if path.exists() else "(no worker.log)"


def test_a_run_trains_to_the_end_as_a_ray_task_without_a_training_slot(npz, open_launcher):
    launcher = open_launcher(cpus=1)
    held = SlotQueue(settings.runs_dir(), 1).try_acquire()  # the runs folder's only slot: a local run would wait
    try:
        folder = create_run(tiny(1), npz, max_runs=1)
        launcher.start(folder)
        assert wait_until(lambda: status(folder) == "finished"), worker_log(folder)
    finally:
        held.release()
    assert [e.status for e in runs.list_runs() if e.run_id == folder.run_id] == ["finished"]
    record = folder.read_record()
    assert record.pid == folder.read_heartbeat().pid != os.getpid()  # a process of Ray's, not this one
    assert f"run {folder.run_id}: Ray node" in worker_log(folder) and "1 TensorFlow threads" in worker_log(folder)
    assert launcher.wait(folder.run_id, 60) and launcher.capacity() == 2


def test_a_queued_ray_run_can_be_cancelled_and_a_killed_ray_worker_reads_interrupted(npz, open_launcher, monkeypatch):
    """The run ahead of it, killed at the end, reads as interrupted and is not run again (`max_retries=0`): two
    properties on one training run, since each run here costs a fresh process importing TensorFlow."""
    monkeypatch.setattr(liveness, "LAUNCH_GRACE_SECONDS", 0.0)  # only the launcher's word keeps a waiting run alive
    launcher = open_launcher(cpus=2)  # a run takes the whole Ray: the second one waits
    first = create_run(tiny(200), npz)
    launcher.start(first)
    assert wait_until(training(first)), worker_log(first)
    second = create_run(tiny(1), npz)
    launcher.start(second)
    waiting = runs.find_run(second.run_id)
    assert (waiting.status, waiting.queue_position, launcher.capacity()) == ("queued", 1, 1)
    said = second.read_launch().time
    assert wait_until(lambda: second.read_launch().time > said + 1, 30)  # its launcher keeps saying so
    assert status(second) == "queued"

    second.request_stop(runs.STOPPED_BY_OWNER)  # the Cancel of a queued run
    assert wait_until(lambda: status(second) == "stopped", 30)
    assert launcher.wait(second.run_id, 30)
    assert outcome_words(second.read_record()) == "stopped before it started" and second.read_heartbeat() is None

    pid = first.read_heartbeat().pid
    os.kill(pid, signal.SIGKILL)  # the Ray worker that trains the first run
    assert launcher.wait(first.run_id, 60)  # Ray has reported its task's end: no retry is coming
    assert status(first) == "interrupted"
    assert first.read_heartbeat().pid == pid and first.read_record().status == "running"


def test_a_node_that_does_not_see_the_run_folder_fails_the_run_in_one_line(npz, open_launcher, monkeypatch):
    launcher = open_launcher(cpus=1)
    folder = create_run(tiny(1), npz)
    real = folder.read_settings()
    # The task is told another run's token: the settings it finds at the run's path are not its run's.
    monkeypatch.setattr(folder, "read_settings", lambda: dataclasses.replace(real, token="another-run"))
    launcher.start(folder)
    assert launcher.wait(folder.run_id, 120)
    record = folder.read_record()
    assert record.status == "failed" and "\n" not in record.error
    assert record.error.endswith("must be on storage every node mounts at the same path")
    assert folder.read_heartbeat() is None  # the task wrote nothing


def test_a_run_started_on_the_train_page_with_the_ray_launcher_trains_on_ray_and_shows_live(npz, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from hrnn.ui.common import resources
    from tests.support.app import set_small_config

    monkeypatch.setenv("HRNN_LAUNCHER", "ray")  # joins the Ray this process has joined already
    monkeypatch.setenv("HRNN_MNIST", npz)
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "200")  # a run long enough to be watched, then stopped
    st.cache_resource.clear()
    at = AppTest.from_string("from hrnn.ui.train.page import render\nrender()", default_timeout=120).run()
    launcher = resources.start_launcher()
    try:
        assert isinstance(launcher, RayLauncher) and not at.warning
        set_small_config(at, epochs=200)
        at.run()
        at.button(key="start").click().run()
        assert not at.exception
        folder = runs.find_run(at.query_params["run"]).folder
        assert wait_until(training(folder)), worker_log(folder)
        assert f"run {folder.run_id}: Ray node" in worker_log(folder)  # a Ray task trains it

        def shows_live():  # its progress and curves, once the first batch is in (later on a busy machine)
            at.run()
            bars = at.get("progress")
            return len(bars) == 1 and bars[0].proto.text.startswith("Epoch ") and bool(at.get("plotly_chart"))

        assert wait_until(shows_live, 120), [b.proto.text for b in at.get("progress")]
        at.button(key="stop").click().run()
        assert wait_until(lambda: status(folder) == "stopped", 60), worker_log(folder)
        at.run()
        assert not at.exception and any("stopped after" in s.value for s in at.success)
    finally:
        launcher.close()
        st.cache_resource.clear()
