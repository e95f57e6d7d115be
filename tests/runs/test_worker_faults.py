"""A worker's run under faults: SIGTERM is a stop (a real worker process), a full disk or a failed save is a failed
run that says why (the worker's code in this process), and a worker killed while it saves leaves no temporary file
behind (nor counts one against the runs folder's disk cap)."""

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hrnn import runs, settings
from hrnn.nn.model_files import load_model
from hrnn.runs.launch import worker as run_worker
from hrnn.runs.launch.launcher import create_run, worker_command
from hrnn.runs.launch.slots import SlotQueue
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.train import limits
from hrnn.words import outcome_words
from tests.support.data import REPO, write_npz
from tests.support.waiting import wait_until
from tests.support.workers import status, tiny


@pytest.fixture
def npz(tmp_path, tiny_data):
    return str(write_npz(tmp_path / "mnist.npz", tiny_data))


def start_worker(folder):
    """`python -m hrnn worker RUN_DIR` as the app starts it."""
    script = "\n".join(["import sys", "from hrnn.cli import main", "sys.exit(main(sys.argv[1:]))"])
    command = [sys.executable, "-c", script, *worker_command(folder.path, nice=0)[3:]]  # the arguments after -m hrnn
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = open(folder.file(runs.LOG_NAME), "ab")  # noqa: SIM115 - the worker's own output, as the launcher keeps it
    with log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def worker_log(folder):
    return folder.file(runs.LOG_NAME).read_text()


def training(folder):
    reader = ProgressLogReader(folder.progress_path)
    return lambda: reader.snapshot().samples_seen > 0


def queued(folder):
    return lambda: folder.read_heartbeat() is not None and status(folder) == "queued"


@pytest.mark.parametrize(
    "when, message",
    [(training, "stopped after "), (queued, "stopped before it started")],
    ids=["training", "queued"],
)
def test_sigterm_stops_a_worker_as_stop_does(npz, when, message):
    folder = create_run(tiny(200), npz, max_runs=1)
    held = SlotQueue(settings.runs_dir(), 1).try_acquire() if when is queued else None  # another run trains
    worker = start_worker(folder)
    try:
        assert wait_until(when(folder)), worker_log(folder)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, worker_log(folder)
    finally:
        worker.kill()
        if held is not None:
            held.release()
    record = folder.read_record()
    assert status(folder) == record.status == "stopped" and outcome_words(record).startswith(message), record
    if when is training:
        load_model(folder.model_path)  # what it trained is kept


def model_save_fails(error):
    """A fault: every Keras model save writes half a file, then raises `error`."""

    def apply(monkeypatch):
        import keras

        def save(self, path, *args, **kwargs):
            Path(path).write_bytes(b"half a model")
            raise error

        monkeypatch.setattr(keras.Model, "save", save)

    return apply


def progress_log_fills_the_disk(monkeypatch):
    """A fault: the progress log's ninth line finds the disk full."""
    from hrnn.runs.store import progress_log

    encode, written = progress_log.encode_event, []

    def encode_event(event):
        written.append(event)
        if len(written) > 8:
            raise OSError(errno.ENOSPC, "No space left on device")
        return encode(event)

    monkeypatch.setattr(progress_log, "encode_event", encode_event)


# A file the run writes fails mid-run: (the fault, what the record's error says).
FAILED_WRITES = [
    pytest.param(
        model_save_fails(OSError(errno.ENOSPC, "No space left on device")),
        "model.keras could not be saved: No space left on device",
        id="disk-full-saving-the-model",
    ),
    pytest.param(
        model_save_fails(PermissionError(errno.EACCES, "Permission denied")),
        "model.keras could not be saved: Permission denied",
        id="model-save-refused",
    ),
    pytest.param(
        progress_log_fills_the_disk,
        "progress.jsonl could not be written: No space left on device",
        id="disk-full-writing-the-progress-log",
    ),
]


@pytest.mark.parametrize("fault, error", FAILED_WRITES)
def test_a_write_that_fails_mid_run_fails_the_run_and_says_why(npz, monkeypatch, fault, error):
    """In this process (the worker's own code, from its exit status down; a process of its own adds only seconds of
    TensorFlow's import)."""
    folder = create_run(tiny(2), npz)
    fault(monkeypatch)
    assert run_worker.run_to_exit_status(folder) == 1  # failed: not 0 (done), not 2 (refused input)
    record = folder.read_record()
    assert status(folder) == record.status == "failed" and error in record.error, record.error
    assert not [p.name for p in folder.path.iterdir() if p.name.startswith(".")]  # no temporary file left


DIES_WHILE_SAVING = """
import fcntl, os, sys, time
from pathlib import Path
from hrnn import runs

folder = runs.RunFolder(sys.argv[1])
fcntl.flock(os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT), fcntl.LOCK_EX)
folder.write_heartbeat(folder.read_settings().token)
record = folder.read_record()
record.status = "running"
folder.write_record(record)

class Model:
    def save(self, path):
        Path(path).write_bytes(b"half a model")
        print("saving", flush=True)
        time.sleep(120)

runs.atomic_save_model(Model(), folder.model_path)
"""


def test_a_worker_killed_while_it_saves_leaves_no_temporary_file():
    folder = create_run(tiny(1), "sample")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    worker = subprocess.Popen(
        [sys.executable, "-c", DIES_WHILE_SAVING, str(folder.path)], stdout=subprocess.PIPE, env=env
    )
    try:
        assert worker.stdout.readline() == b"saving\n"
        (temporary,) = folder.path.glob(".model.*.keras")
        assert status(folder) == "running" and temporary.exists()  # a live run's save is its own
    finally:
        worker.kill()
        worker.wait()
    assert status(folder) == "interrupted"  # listing it finds the worker dead, and clears what it left half written
    assert not temporary.exists() and not [p.name for p in folder.path.iterdir() if p.name.startswith(".")]


def test_temporary_files_never_count_toward_the_disk_cap():
    folder = create_run(tiny(1), "sample")
    folder.file(".model.k2j4h5d1.keras").write_bytes(bytes(2_000_000))  # left by a worker killed while it saved
    folder.file(".record.json.a8d7f6e5.tmp").write_bytes(bytes(500_000))
    limits.check_runs_disk(settings.runs_dir(), limit_mb=1)
    folder.file("model.keras").write_bytes(bytes(1_000_000))
    with pytest.raises(ValueError, match="over its 1 MB cap"):
        limits.check_runs_disk(settings.runs_dir(), limit_mb=1)
