"""The runs folder: atomic writes, the typed record, listing, liveness, and resilience to damaged runs."""

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hrnn import runs
from hrnn.config import TrainConfig


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a" / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    runs.atomic_write_json(path, {"n": 2})
    assert json.loads(path.read_text()) == {"n": 2}
    assert [p.name for p in path.parent.iterdir()] == ["record.json"]


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    try:
        runs.atomic_write_json(path, {"bad": object()})
    except TypeError:
        pass
    assert json.loads(path.read_text()) == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def finished_record(run_id, **fields):
    return runs.RunRecord(status="finished", run_id=run_id, config=TrainConfig(epochs=2, row_units=8), **fields)


def save(root, record, run_id=None):
    """A run folder under `root` holding `record` (a RunRecord, written with its summary, or a raw JSON value)."""
    folder = runs.RunFolder(Path(root) / (run_id or record.run_id))
    folder.path.mkdir(parents=True, exist_ok=True)
    if isinstance(record, runs.RunRecord):
        folder.write_record(record)
    else:
        runs.atomic_write_json(folder.file(runs.RECORD_NAME), record)
    return folder


def test_a_record_reads_back_as_it_was_written(tmp_path):
    record = finished_record("r1", test_accuracy=0.93, test_images=60)
    record.history.epochs.append({"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_accuracy": 0.9})
    record.history.batches.step.extend([1, 2])
    record.history.batches.loss.extend([2.3, 2.1])
    record.history.batches.accuracy.extend([0.1, 0.2])
    folder = save(tmp_path, record)
    assert folder.read_record() == record
    (entry,) = runs.list_runs(tmp_path)
    assert entry.summary.epochs_done == 1 and entry.summary.val_accuracy == 0.9 and entry.summary.test_accuracy == 0.93


def test_damaged_and_wrongly_typed_records_are_listed_as_unreadable_beside_good_ones(tmp_path):
    save(tmp_path, finished_record("20260101-000000-good"))
    save(tmp_path, {"status": ["running"], "config": {}}, "20260102-000000-list")
    save(tmp_path, {"status": "finished", "config": "abc"}, "20260103-000000-conf")
    save(tmp_path, {"status": "finished", "schema": 99}, "20260104-000000-newr")
    save(tmp_path, {"status": "paused"}, "20260105-000000-stat")
    (tmp_path / "20260106-000000-half").mkdir()
    (tmp_path / "20260106-000000-half" / runs.RECORD_NAME).write_text("{half a rec")
    (tmp_path / "20260107-000000-empty").mkdir()  # no record: not a run
    statuses = {r.run_id: r.status for r in runs.list_runs(tmp_path)}
    assert statuses == {
        "20260106-000000-half": "unreadable: record.json is not valid JSON (Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1))",
        "20260105-000000-stat": "unreadable: record.json: status: expected one of queued, running, finished, stopped, "
        "failed, got 'paused'",
        "20260104-000000-newr": "unreadable: record.json: written by a newer hrnn (schema 99; this one reads 1)",
        "20260103-000000-conf": "unreadable: record.json: config: expected an object or null, got 'abc'",
        "20260102-000000-list": "unreadable: record.json: status: expected a string, got ['running']",
        "20260101-000000-good": "finished",
    }
    bad = runs.find_run("20260102-000000-list", tmp_path)
    assert not bad.readable and not bad.live and bad.label().startswith("20260102-000000-list (unreadable: ")


def test_a_wrongly_typed_summary_is_unreadable_too(tmp_path):
    folder = save(tmp_path, finished_record("r1"))
    runs.atomic_write_json(folder.file(runs.SUMMARY_NAME), {"run_id": "r1", "status": "finished", "epochs": "2"})
    (entry,) = runs.list_runs(tmp_path)
    assert entry.status == "unreadable: summary.json: epochs: expected an integer or null, got '2'"


def test_listing_reads_summaries_once_and_never_the_history(tmp_path, monkeypatch):
    for k in range(3):
        save(tmp_path, finished_record(f"r{k}"))
    read = []
    real_read_json = runs._read_json
    monkeypatch.setattr(runs, "_read_json", lambda path: read.append(Path(path).name) or real_read_json(path))
    runs.list_runs(tmp_path)
    runs.list_runs(tmp_path)
    assert read == [runs.SUMMARY_NAME] * 3  # the second listing reads nothing: the files have not changed
    save(tmp_path, finished_record("r1", test_accuracy=0.5))
    assert runs.find_run("r1", tmp_path).summary.test_accuracy == 0.5  # a rewritten summary is read again


def test_a_record_from_before_summaries_is_listed_from_the_record(tmp_path):
    legacy = {
        "run_id": "old",
        "status": "finished",
        "created": "2025-06-01T10:00:00Z",
        "config": {"epochs": 1, "row_units": 64, "col_units": 64, "optimizer": "rmsprop"},
        "history": {"epochs": [{"epoch": 1, "loss": 0.3, "accuracy": 0.9}], "batches": {"step": [1], "loss": [0.3]}},
        "test_accuracy": 0.95,
        "pid": 12,
    }
    save(tmp_path, legacy, "old")
    (entry,) = runs.list_runs(tmp_path)
    assert entry.label() == "old (finished, 1/1 epochs, 64/64 units, acc 0.9500)"


_HELD_LOCKS = []


@pytest.fixture(autouse=True)
def _release_locks():
    yield
    while _HELD_LOCKS:
        try:
            os.close(_HELD_LOCKS.pop())
        except OSError:
            pass  # closed by the test itself


def live_run(root, run_id, status="running", created=None, host=None, pid=None, beat_age=0.0, lock=True):
    """A run folder as a worker would leave it: record, heartbeat and (if `lock`) the worker lock held by this process.
    Returns the lock's file descriptor (close it to 'kill' the worker) or None."""
    record = finished_record(run_id)
    record.status, record.token = status, f"token-{run_id}"
    record.created = created or runs.utc_now()
    folder = save(root, record)
    beat = {"token": record.token, "pid": pid or os.getpid(), "host": host or socket.gethostname()}
    runs.atomic_write_json(folder.file(runs.HEARTBEAT_NAME), {**beat, "time": time.time() - beat_age})
    if not lock:
        return None
    fd = os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _HELD_LOCKS.append(fd)
    return fd


def test_a_live_worker_is_running_and_a_dead_one_interrupted(tmp_path):
    fd = live_run(tmp_path, "r1")
    assert runs.find_run("r1", tmp_path).status == "running"
    os.close(fd)  # the worker dies: the kernel drops its lock
    assert runs.find_run("r1", tmp_path).status == "interrupted"


def test_a_dead_worker_whose_pid_was_reused_is_still_interrupted(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # alive, holds the old PID
    try:
        live_run(tmp_path, "r1", pid=other.pid, lock=False)  # the heartbeat is fresh, the pid alive, the lock free
        assert runs.find_run("r1", tmp_path).status == "interrupted"
    finally:
        other.kill()
        other.wait()


def test_a_record_from_before_heartbeats_is_never_alive(tmp_path):
    save(tmp_path, {"status": "running", "pid": os.getpid()}, "r1")  # our own, live, pid
    assert runs.find_run("r1", tmp_path).status == "interrupted"


def test_a_stale_heartbeat_is_a_dead_worker_even_with_the_lock_held(tmp_path):
    live_run(tmp_path, "r1", beat_age=runs.HEARTBEAT_STALE_SECONDS + 5)
    assert runs.find_run("r1", tmp_path).status == "interrupted"


def test_another_hosts_worker_is_judged_by_its_heartbeat_alone(tmp_path):
    live_run(tmp_path, "fresh", host="elsewhere", lock=False)
    live_run(tmp_path, "stale", host="elsewhere", lock=False, beat_age=runs.HEARTBEAT_STALE_SECONDS + 5)
    assert {r.run_id: r.status for r in runs.list_runs(tmp_path)} == {"fresh": "running", "stale": "interrupted"}


def test_a_new_run_is_alive_before_its_first_heartbeat_for_a_grace_period(tmp_path):
    for run_id, age in (("new", 1.0), ("old", runs.LAUNCH_GRACE_SECONDS + 5)):
        record = finished_record(run_id)
        record.status, record.token = "queued", "t"
        record.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - age))
        save(tmp_path, record)
    assert {r.run_id: r.status for r in runs.list_runs(tmp_path)} == {"old": "interrupted", "new": "queued"}


def test_queued_runs_are_numbered_in_the_order_they_were_asked_for(tmp_path):
    live_run(tmp_path, "b-second", status="queued", created="2026-01-01T00:00:00.200Z")
    live_run(tmp_path, "c-first", status="queued", created="2026-01-01T00:00:00.100Z")
    live_run(tmp_path, "a-training", status="running")
    positions = {r.run_id: r.queue_position for r in runs.list_runs(tmp_path)}
    assert positions == {"c-first": 1, "b-second": 2, "a-training": None}


@pytest.mark.parametrize("run_id", ["../x", ".slots", "", "a/b", None, 3])
def test_find_run_takes_only_plain_folder_names(tmp_path, run_id):
    save(tmp_path / "runs", finished_record("x"))
    assert runs.find_run(run_id, tmp_path / "runs") is None


def test_a_stop_request_is_a_file_in_the_run_folder(tmp_path):
    folder = save(tmp_path, finished_record("r1"))
    assert not folder.stop_requested
    folder.request_stop()
    assert folder.stop_requested


def test_default_runs_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path / "x"))
    assert runs.default_runs_dir() == tmp_path / "x"
    monkeypatch.delenv("HRNN_RUNS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert runs.default_runs_dir() == tmp_path / "data" / "hrnn" / "runs"


def test_run_label_describes_the_run(tmp_path):
    record = runs.RunRecord(
        status="finished", run_id="r", config=TrainConfig(epochs=5, row_units=128, col_units=64), test_accuracy=0.9871
    )
    record.history.epochs.extend([{"epoch": k, "val_accuracy": 0.9} for k in range(1, 6)])
    save(tmp_path, record)
    (run,) = runs.list_runs(tmp_path)
    assert run.label() == "r (finished, 5/5 epochs, 128/64 units, acc 0.9871)"


def test_an_unreadable_runs_folder_lists_no_runs_instead_of_raising(tmp_path, monkeypatch):
    (tmp_path / "20250101-000000-abcd").mkdir()

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", denied)
    assert runs.list_runs(tmp_path) == []


def test_an_unreadable_run_folder_is_listed_as_unreadable(tmp_path, monkeypatch):
    for run_id in ("20250101-000000-aaaa", "20250101-000000-bbbb"):
        save(tmp_path, finished_record(run_id))
    real_stat = Path.stat

    def stat(self, *args, **kwargs):
        if "aaaa" in str(self) and self.name != "20250101-000000-aaaa":
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    statuses = {r.run_id: r.status for r in runs.list_runs(tmp_path)}
    assert statuses == {
        "20250101-000000-bbbb": "finished",
        "20250101-000000-aaaa": "unreadable: summary.json cannot be read (Permission denied)",
    }
