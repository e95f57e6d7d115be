"""Runs in worker processes, real ones: training to the end, stop requests, kill -9, the queue, the spare worker."""

import json
import os
import re
import signal
from pathlib import Path

import numpy as np
import pytest

from hrnn import runs, settings
from hrnn.data.splits import to_model_input
from hrnn.nn.model_files import load_model
from hrnn.runs.launch.launcher import LocalLauncher, create_run
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.words import outcome_words
from tests.support.data import write_npz
from tests.support.waiting import wait_until
from tests.support.workers import status, tiny


@pytest.fixture
def npz(tmp_path, tiny_data):
    return str(write_npz(tmp_path / "mnist.npz", tiny_data))


@pytest.fixture
def launcher():
    launcher = LocalLauncher(nice=0)
    yield launcher
    launcher.close()


def test_a_worker_trains_its_run_to_the_end_and_writes_everything(npz, launcher, tiny_data):
    folder = create_run(tiny(2), npz)
    assert status(folder) == "queued"
    launcher.start(folder)
    assert wait_until(lambda: status(folder) == "finished"), folder.file(runs.LOG_NAME).read_text()
    record = folder.read_record()
    assert record.status == "finished" and record.pid != os.getpid() and record.test_images == 60
    launch = folder.read_launch()  # its launcher noted the process it started: the run lived before its first beat
    assert (launch.pid, launch.token) == (record.pid, folder.read_settings().token)
    snap = ProgressLogReader(folder.progress_path).snapshot()
    assert snap.batch_loss == record.history.batches.loss and len(snap.batch_loss) == 12
    assert snap.epoch_history == record.history.epochs and snap.status == "finished"
    assert len(snap.grid_predictions) == 20
    load_model(folder.model_path)


def test_a_stop_request_ends_the_worker_within_a_batch_and_keeps_its_model(npz, launcher):
    folder = create_run(tiny(200), npz)
    launcher.start(folder)
    reader = ProgressLogReader(folder.progress_path)
    assert wait_until(lambda: reader.snapshot().samples_seen > 0)
    folder.request_stop(runs.STOPPED_BY_SERVER)
    assert wait_until(lambda: status(folder) == "stopped", 60)
    record = folder.read_record()
    assert outcome_words(record).startswith("stopped after") and len(record.history.epochs) < 200
    assert len(reader.snapshot().batch_loss) == len(record.history.batches.loss)
    load_model(folder.model_path)


def test_a_worker_killed_after_its_first_epoch_leaves_an_interrupted_run_with_a_usable_model(npz, launcher, tiny_data):
    folder = create_run(tiny(200), npz)
    launcher.start(folder)
    assert wait_until(lambda: runs.find_run(folder.run_id).summary.epochs_done >= 1)
    os.kill(folder.read_heartbeat().pid, signal.SIGKILL)
    assert wait_until(lambda: not folder.lock_held(), 30)
    entry = runs.find_run(folder.run_id)
    assert entry.status == "interrupted" and entry.has_model and entry.summary.epochs_done >= 1
    record = runs.RunRecord.from_json(json.loads(folder.file(runs.RECORD_NAME).read_text()))  # valid JSON, typed
    assert record.status == "running" and len(record.history.epochs) >= 1
    model = load_model(folder.model_path)
    probs = model.predict(to_model_input(tiny_data.x_test), verbose=0)
    accuracy = float(np.mean(probs.argmax(axis=1) == tiny_data.y_test))
    assert probs.shape == (60, 10) and 0.0 <= accuracy <= 1.0


def resident_bytes(pid):
    """The memory process `pid` holds now (its resident set), in bytes."""
    status_text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status_text).group(1)) * 1024


def test_a_spare_worker_takes_the_next_run_and_a_run_that_must_wait_waits_in_a_small_worker(npz):
    launcher = LocalLauncher(spare_data=npz, nice=0)
    try:
        spare_logs = list((settings.runs_dir() / ".workers").iterdir())
        assert len(spare_logs) == 1
        first = create_run(tiny(200), npz, max_runs=1)  # stopped below
        launcher.start(first)
        assert wait_until(lambda: status(first) == "running"), first.file(runs.LOG_NAME).read_text()
        assert not spare_logs[0].exists()  # its output went to the run's worker.log
        assert first.read_launch().pid == first.read_heartbeat().pid  # the spare's process is the run's worker
        assert len(list((settings.runs_dir() / ".workers").iterdir())) == 1  # the new spare's
        spare = launcher._spare

        second = create_run(tiny(1), npz, max_runs=1)  # the only slot is taken: it waits in line
        launcher.start(second)
        assert launcher._spare is spare  # the spare stays for a run that can start at once
        waiting = launcher._children[-1]
        assert wait_until(lambda: second.read_heartbeat() is not None and status(second) == "queued", 60)
        assert resident_bytes(waiting.pid) < 200e6  # no TensorFlow, no data yet (a spare holds hundreds of MB)
        first.request_stop(runs.STOPPED_BY_SERVER)
        assert wait_until(lambda: status(second) == "finished"), second.file(runs.LOG_NAME).read_text()
    finally:
        launcher.close()


def test_a_spare_skips_its_warm_up_for_a_run_that_arrives_while_it_loads_the_data(monkeypatch, tmp_path):
    """The warm-up (tracing the demo's graphs) is for runs that come later: one that is already waiting goes first."""
    from hrnn.runs.launch import spare, worker

    read, write = os.pipe()
    stdin, feed = os.fdopen(read), os.fdopen(write, "w")
    folder = create_run(tiny(1), "sample", root=tmp_path)

    def load_while_a_run_arrives(spec):
        feed.write(f"{folder.path}\n")
        feed.flush()
        return "data"

    warmed, executed = [], []
    monkeypatch.setattr(spare, "load_mnist", load_while_a_run_arrives)
    monkeypatch.setattr(spare, "warm_up", warmed.append)
    monkeypatch.setattr(spare, "limit_threads", lambda max_runs: None)
    finished = runs.RunRecord("finished")
    monkeypatch.setattr(worker, "execute", lambda f, data: executed.append((f.path, data)) or finished)
    monkeypatch.setattr(os, "dup2", lambda fd, target: None)  # the test's own output stays where it is
    try:
        assert spare.run_spare("sample", 1, stdin=stdin, delay=0) == 0
    finally:
        stdin.close(), feed.close()
    assert warmed == [] and executed == [(folder.path, "data")]
