"""Liveness with real processes: a worker that stops responding (SIGSTOP) frees the queue and can be stopped; a
worker that has not beaten yet lives as long as its launched process; a heartbeat from a clock far ahead is not
trusted. Each worker here is a small Python process that does what a worker does to its run folder (takes its lock,
holds a training slot, beats), so that the kernel's locks and signals are real."""

import fcntl
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from hrnn import runs
from hrnn.runs.launch.slots import SlotQueue
from hrnn.runs.store.records import PENDING_PID
from hrnn.train.config import TrainConfig

# A stand-in worker: lock the run, take a training slot naming the run, write one heartbeat `AGE` seconds old,
# say "ready", then sleep. argv: runs folder, run folder, token, age, "ignore-term" or "".
_WORKER = textwrap.dedent(
    """
    import fcntl, json, os, signal, socket, sys, time
    from hrnn.runs.launch.slots import SlotQueue
    root, run, token, age, mode = sys.argv[1:6]
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    fd = os.open(os.path.join(run, "worker.lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    slot = SlotQueue(root, 1).try_acquire(holder=run)
    beat = {"token": token, "pid": os.getpid(), "host": socket.gethostname(), "time": time.time() - float(age)}
    with open(os.path.join(run, "heartbeat.json"), "w") as f:
        json.dump(beat, f)
    print("ready" if slot is not None else "no slot", flush=True)
    time.sleep(120)
    """
)


def _run_folder(root, run_id, status="running", created=None):
    record = runs.RunRecord(status=status, run_id=run_id, config=TrainConfig(epochs=2, row_units=8))
    record.token, record.created = f"token-{run_id}", created or runs.utc_now()
    folder = runs.RunFolder(root / run_id)
    folder.path.mkdir(parents=True)
    folder.write_record(record)
    return folder


@pytest.fixture
def start_worker(tmp_path):
    """Start a stand-in worker for a new run in `tmp_path`; every one still running is killed after the test."""
    started = []

    def start(run_id, age=0.0, ignore_term=False):
        folder = _run_folder(tmp_path, run_id)
        args = [str(tmp_path), str(folder.path), f"token-{run_id}", str(age), "ignore-term" if ignore_term else ""]
        process = subprocess.Popen([sys.executable, "-c", _WORKER, *args], stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline().strip() == "ready"
        return folder, process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for_exit(process, seconds=30):
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


def test_a_paused_worker_reads_as_not_responding_and_frees_its_training_slot(tmp_path, start_worker):
    folder, process = start_worker("r1")
    assert runs.find_run("r1", tmp_path).status == "running"
    assert SlotQueue(tmp_path, 1).try_acquire() is None  # its slot is taken: a second run waits
    process.send_signal(signal.SIGSTOP)  # paused: it holds its locks, and beats no more
    beat = folder.read_heartbeat()
    later = beat.time + runs.HEARTBEAT_STALE_SECONDS + 5
    assert runs.worker_state(folder, "token-r1", runs.utc_now(), now=later) == runs.NOT_RESPONDING
    runs.atomic_write_json(folder.file(runs.HEARTBEAT_NAME), {**vars(beat), "time": time.time() - 100})
    entry = runs.find_run("r1", tmp_path)
    assert (entry.status, entry.live, entry.active) == ("not responding", False, True)
    slot = SlotQueue(tmp_path, 1).try_acquire()  # the queue no longer waits for it
    assert slot is not None and slot.index == 1
    slot.release()


def test_stop_resumes_a_paused_worker_with_sigterm_then_kills_one_that_ignores_it(tmp_path, start_worker):
    folder, process = start_worker("r1", age=100, ignore_term=True)
    process.send_signal(signal.SIGSTOP)
    entry = runs.find_run("r1", tmp_path)
    assert entry.status == "not responding"
    assert (
        entry.stop(by=runs.STOPPED_BY_SERVER) == "SIGTERM" and folder.stop_requested
    )  # resumed and asked: this one ignores SIGTERM
    assert _wait_for_exit(process, 2) is None
    assert runs.find_run("r1", tmp_path).stop(by=runs.STOPPED_BY_SERVER) == "SIGKILL"  # a second Stop
    assert _wait_for_exit(process) == -signal.SIGKILL
    assert runs.find_run("r1", tmp_path).status == "interrupted"


def test_sigterm_ends_a_paused_worker(tmp_path, start_worker):
    _, process = start_worker("r1", age=100)
    process.send_signal(signal.SIGSTOP)
    assert runs.find_run("r1", tmp_path).stop(by=runs.STOPPED_BY_SERVER) == "SIGTERM"
    assert _wait_for_exit(process) == -signal.SIGTERM  # resumed, then ended (a real worker saves first)


def test_stop_never_signals_a_process_that_does_not_hold_the_runs_lock(tmp_path):
    folder = _run_folder(tmp_path, "r1")
    lock = os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)  # the worker (this test's process) holds the lock; the heartbeat names another
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        beat = {"token": "token-r1", "pid": bystander.pid, "host": socket.gethostname(), "time": time.time() - 100}
        runs.atomic_write_json(folder.file(runs.HEARTBEAT_NAME), beat)
        assert runs.end_unresponsive(folder) is None
        assert runs.end_unresponsive(folder, force=True) is None
        assert bystander.poll() is None
    finally:
        os.close(lock)
        bystander.kill()
        bystander.wait()


def test_a_launched_worker_lives_past_the_launch_grace_until_its_process_ends(tmp_path):
    long_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - runs.LAUNCH_GRACE_SECONDS - 60))
    folder = _run_folder(tmp_path, "slow", status="queued", created=long_ago)
    # A process whose command line is a worker's, still importing (no heartbeat yet) on a busy machine.
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "hrnn", "worker"])
    try:
        folder.write_launch("token-slow", slow.pid)
        assert runs.find_run("slow", tmp_path).status == "queued"
        folder.write_launch("token-other", slow.pid)  # another run's launch: no evidence for this one
        assert runs.find_run("slow", tmp_path).status == "interrupted"
        folder.write_launch("token-slow", slow.pid)
    finally:
        slow.kill()
        slow.wait()
    assert runs.find_run("slow", tmp_path).status == "interrupted"


def test_a_launch_note_naming_some_other_program_is_no_worker(tmp_path):
    long_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - runs.LAUNCH_GRACE_SECONDS - 60))
    folder = _run_folder(tmp_path, "r1", status="queued", created=long_ago)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a recycled pid
    try:
        folder.write_launch("token-r1", other.pid)
        assert runs.find_run("r1", tmp_path).status == "interrupted"
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize(
    ("said_seconds_ago", "status"), [(1, "queued"), (runs.HEARTBEAT_STALE_SECONDS + 5, "interrupted")]
)
def test_a_run_waiting_in_a_clusters_queue_lives_while_its_launcher_keeps_saying_so(tmp_path, said_seconds_ago, status):
    """A Ray task waiting for CPUs has no process yet: its launcher rewrites `launch.json` (pid 0) while it waits."""
    long_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - runs.LAUNCH_GRACE_SECONDS - 60))
    folder = _run_folder(tmp_path, "r1", status="queued", created=long_ago)
    said = {"token": "token-r1", "pid": PENDING_PID, "host": "the-apps-host", "time": time.time() - said_seconds_ago}
    runs.atomic_write_json(folder.file(runs.LAUNCH_NAME), said)
    assert runs.find_run("r1", tmp_path).status == status
    runs.atomic_write_json(folder.file(runs.LAUNCH_NAME), {**said, "token": "token-other", "time": time.time()})
    assert runs.find_run("r1", tmp_path).status == "interrupted"  # another run's: no evidence for this one


@pytest.mark.parametrize(("seen_seconds_ago", "status"), [(1, "running"), (600, "interrupted")])
def test_a_heartbeat_from_a_clock_an_hour_ahead_is_judged_by_when_it_was_written_here(
    tmp_path, seen_seconds_ago, status
):
    folder = _run_folder(tmp_path, "r1")
    beat = {"token": "token-r1", "pid": 1, "host": "another-host", "time": time.time() + 3600}
    runs.atomic_write_json(folder.file(runs.HEARTBEAT_NAME), beat)
    written = time.time() - seen_seconds_ago
    os.utime(folder.file(runs.HEARTBEAT_NAME), (written, written))
    entry = runs.find_run("r1", tmp_path)
    assert entry.status == status
    if status == "interrupted":  # a dead worker: `stop` has nothing to stop, and the queue does not wait for it
        assert not entry.active and runs.queue_order([entry]) == []


def test_the_cli_stops_a_worker_that_is_not_responding(tmp_path, start_worker, monkeypatch, capsys):
    from hrnn.cli import main

    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path))
    _, process = start_worker("r1", age=100, ignore_term=True)
    process.send_signal(signal.SIGSTOP)
    assert main(["stop", "r1"]) == 0
    assert "was not responding: sent its worker SIGTERM" in capsys.readouterr().out
    assert main(["stop", "r1"]) == 0
    assert "sent its worker SIGKILL; it ended at once" in capsys.readouterr().out
    assert _wait_for_exit(process) == -signal.SIGKILL
    assert main(["stop", "r1"]) == 2  # now it is a dead run's folder: nothing to stop
    assert "is not training (interrupted)" in capsys.readouterr().err
