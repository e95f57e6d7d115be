"""The runs folder: atomic writes, the typed record, listing, liveness, and resilience to damaged runs."""

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from hrnn import atomic, runs, settings
from hrnn.runs.store import listing
from hrnn.train.config import ORIGINAL, TrainConfig, demo_config
from hrnn.train.history import EpochEntry
from hrnn.ui.common.run_names import run_label, run_name


def _spy_replace(monkeypatch):
    """Record every `os.replace` that `hrnn.atomic` makes, with what the source and the target held at that moment
    (before the rename): an atomic write must prepare the whole new file beside the target and only then rename it."""
    seen = []
    real_replace = atomic.os.replace

    def replace(src, dst):
        src, dst = Path(src), Path(dst)
        seen.append(
            {
                "src": src,
                "dst": dst,
                "src_bytes": src.read_bytes(),
                "dst_bytes": dst.read_bytes() if dst.exists() else None,
            }
        )
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    return seen


def test_atomic_write_goes_to_a_temp_file_beside_the_target_then_renames_it(tmp_path, monkeypatch):
    path = tmp_path / "a" / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    old = path.read_bytes()
    replaced = _spy_replace(monkeypatch)
    runs.atomic_write_json(path, {"n": 2, "pad": "x" * 100_000})
    # One rename, of a complete temp file in the same folder (same file system: the rename is atomic), over a target
    # that until then still held the whole old file: a reader sees the old file or the new one, never a part.
    (replace,) = replaced
    assert replace["dst"] == path and replace["src"].parent == path.parent and replace["src"] != path
    assert replace["dst_bytes"] == old
    assert json.loads(replace["src_bytes"]) == {"n": 2, "pad": "x" * 100_000}
    assert json.loads(path.read_text()) == {"n": 2, "pad": "x" * 100_000}
    assert [p.name for p in path.parent.iterdir()] == ["record.json"]  # no temp file left


def test_atomic_bytes_and_model_writes_rename_a_complete_temp_file_too(tmp_path, monkeypatch):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"old")
    replaced = _spy_replace(monkeypatch)
    runs.atomic_write_bytes(path, b"new" * 1000)
    assert [(r["dst"], r["dst_bytes"], r["src_bytes"]) for r in replaced] == [(path, b"old", b"new" * 1000)]
    assert replaced[0]["src"].parent == tmp_path and path.read_bytes() == b"new" * 1000

    class Model:  # anything with `save(path)`, as a Keras model
        def save(self, target):
            Path(target).write_bytes(b"model v2")

    model_path = tmp_path / "model.keras"
    model_path.write_bytes(b"model v1")
    replaced.clear()
    runs.atomic_save_model(Model(), model_path)
    assert [(r["dst"], r["dst_bytes"], r["src_bytes"]) for r in replaced] == [(model_path, b"model v1", b"model v2")]
    assert replaced[0]["src"].parent == tmp_path and replaced[0]["src"].suffix == ".keras"
    assert model_path.read_bytes() == b"model v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.bin", "model.keras"]


def _fail(name):
    def fail(*args, **kwargs):
        raise OSError(28, f"No space left on device (a failing {name}, from the test)")

    return fail


class _HalfWriter:
    """A file whose write stores half of the data, then finds the disk full."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, data):
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise OSError(28, "No space left on device (a short write, from the test)")

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        self._fh.__enter__()
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch, failing):
    """A write that fails part-way (the data written, not synced; synced, not renamed; a short write) leaves the
    previous file whole and no temp file behind."""
    path = tmp_path / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    old = path.read_bytes()
    with monkeypatch.context() as patch:
        if failing == "write":
            real_fdopen = atomic.os.fdopen
            patch.setattr(atomic.os, "fdopen", lambda *a, **k: _HalfWriter(real_fdopen(*a, **k)))
        else:
            patch.setattr(atomic.os, failing, _fail(failing))
        with pytest.raises(OSError, match="from the test"):
            runs.atomic_write_json(path, {"n": 2, "pad": "x" * 10_000})
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_a_model_save_that_fails_part_way_keeps_the_previous_model(tmp_path):
    class Model:
        def save(self, target):
            Path(target).write_bytes(b"half a mod")
            raise OSError(28, "No space left on device")

    path = tmp_path / "model.keras"
    path.write_bytes(b"model v1")
    with pytest.raises(OSError):
        runs.atomic_save_model(Model(), path)
    assert path.read_bytes() == b"model v1"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_unserializable_json_keeps_the_previous_file(tmp_path):
    path = tmp_path / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    with pytest.raises(TypeError):
        runs.atomic_write_json(path, {"bad": object()})
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
    record.history.epochs.append(EpochEntry(epoch=1, loss=0.5, accuracy=0.8, val_accuracy=0.9))
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
    assert not bad.readable and not bad.live and run_label(bad).startswith("20260102-000000-list (unreadable: ")


def test_a_wrongly_typed_summary_is_unreadable_too(tmp_path):
    folder = save(tmp_path, finished_record("r1"))
    runs.atomic_write_json(folder.file(runs.SUMMARY_NAME), {"run_id": "r1", "status": "finished", "epochs": "2"})
    (entry,) = runs.list_runs(tmp_path)
    assert entry.status == "unreadable: summary.json: epochs: expected an integer or null, got '2'"


def test_listing_reads_summaries_once_and_never_the_history(tmp_path, monkeypatch):
    for k in range(3):
        save(tmp_path, finished_record(f"r{k}"))
    read = []
    real_read_json = listing.read_json
    monkeypatch.setattr(listing, "read_json", lambda path: read.append(Path(path).name) or real_read_json(path))
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
        "config": {"epochs": 1, "row_units": 64, "image_units": 64, "optimizer": "rmsprop"},
        "history": {"epochs": [{"epoch": 1, "loss": 0.3, "accuracy": 0.9}], "batches": {"step": [1], "loss": [0.3]}},
        "test_accuracy": 0.95,
        "pid": 12,
    }
    save(tmp_path, legacy, "old")
    (entry,) = runs.list_runs(tmp_path)
    assert run_name(entry) == "custom HRNN, 1 of 1 epoch, 95.0% test"
    assert run_label(entry) == "custom HRNN, 95.0% test (old)"  # an id without a time in it stands for itself


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


def test_a_stale_heartbeat_with_the_lock_held_is_a_worker_not_responding(tmp_path):
    live_run(tmp_path, "r1", beat_age=runs.HEARTBEAT_STALE_SECONDS + 5)
    entry = runs.find_run("r1", tmp_path)
    assert (entry.status, entry.live, entry.active) == ("not responding", False, True)  # tests/runs/test_liveness.py


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
    folder.request_stop(runs.STOPPED_BY_SERVER)
    assert folder.stop_requested


def test_default_runs_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path / "x"))
    assert settings.runs_dir() == tmp_path / "x"
    monkeypatch.delenv("HRNN_RUNS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert settings.runs_dir() == tmp_path / "data" / "hrnn" / "runs"


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_run_reads_as_its_preset_progress_and_accuracy(tmp_path, utc):
    record = runs.RunRecord(status="finished", run_id="20251129-083300-abcd", config=demo_config(10_000))
    record.history.epochs.extend([EpochEntry(epoch=k, loss=0.3, accuracy=0.9, val_accuracy=0.9) for k in range(1, 4)])
    record.test_accuracy = 0.9712
    save(tmp_path, record)
    (run,) = runs.list_runs(tmp_path)
    assert run_name(run) == "quick demo, 3 of 3 epochs, 97.1% test"
    assert run_label(run) == "quick demo, 97.1% test (Nov 29 08:33)"  # the table's words, less the epochs


def test_a_stopped_run_says_so_and_gives_its_validation_accuracy(tmp_path, utc):
    record = runs.RunRecord(status="stopped", run_id="20251129-090000-abcd", config=TrainConfig(arch="cnn"))
    record.history.epochs.append(EpochEntry(epoch=1, loss=1.1, accuracy=0.6, val_accuracy=0.62))
    save(tmp_path, record)
    (run,) = runs.list_runs(tmp_path)
    assert run_name(run) == "cnn baseline, 1 of 5 epochs, 62.0% val"
    assert run_label(run) == "cnn baseline, stopped, 62.0% val (Nov 29 09:00)"
    assert not run.empty


def test_a_run_that_trained_nothing_is_empty(tmp_path, utc):
    save(tmp_path, runs.RunRecord(status="stopped", run_id="20251129-090000-abcd", config=ORIGINAL))
    (run,) = runs.list_runs(tmp_path)
    assert run.empty and run_name(run) == "original Keras example, 0 of 5 epochs"


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


def test_a_run_folder_tells_whether_its_disk_is_full(tmp_path, monkeypatch):
    folder = runs.RunFolder(tmp_path)
    free = os.statvfs(tmp_path)
    assert folder.disk_full() is (free.f_bavail * free.f_frsize < 8_000_000)
    monkeypatch.setattr(os, "statvfs", lambda path: types.SimpleNamespace(f_bavail=12, f_frsize=4096))
    assert folder.disk_full()
    monkeypatch.setattr(os, "statvfs", lambda path: types.SimpleNamespace(f_bavail=10**6, f_frsize=4096))
    assert not folder.disk_full()
