"""Whether a run's worker lives, has stopped answering, or is gone; and ending one that stopped answering (standard
library only).

A worker is judged by what it leaves in its run folder (`hrnn.runs.store.records`):

* **alive**: its heartbeat carries the run's token and is fresh, and, on this machine, it still holds `worker.lock`;
  or it has no heartbeat yet and either the process its launcher started (`launch.json`) still runs here, or its
  launcher keeps saying that a cluster's scheduler holds it (a fresh `launch.json` of pid `PENDING_PID`: a Ray
  task waiting for CPUs, `hrnn.runs.launch.ray_launcher`), or the run is younger than `LAUNCH_GRACE_SECONDS` (a worker
  on a busy machine may take a while to write its first heartbeat; one whose process is known is never called dead
  for being slow).
* **not responding**: on this machine it holds `worker.lock` but its heartbeat is stale: the process exists but
  does not run (paused with SIGSTOP or Ctrl-Z, swapped out, stuck). The queue does not wait for it (its training
  slot no longer counts, `hrnn.runs.launch.slots`), and Stop ends it (`end_unresponsive`).
* **gone**: anything else. Its record, if it still says queued or running, reads as "interrupted".

A heartbeat's age is read from the time it carries; a time further ahead than `HEARTBEAT_STALE_SECONDS` (the clock
of another host running ahead) is not trusted, and the heartbeat file's modification time, as this machine sees it,
is used instead, so that a dead worker with a fast clock does not hold the queue for hours.
"""

import os
import signal
import socket
import time

from hrnn.runs.store.records import (
    HEARTBEAT_NAME,
    HEARTBEAT_STALE_SECONDS,
    LAUNCH_GRACE_SECONDS,
    LAUNCH_NAME,
    LOCK_NAME,
    NOT_RESPONDING,
    PENDING_PID,
    epoch_seconds,
)

ALIVE = "alive"
GONE = "gone"  # NOT_RESPONDING, the third, is also the status a run then reads as (`hrnn.runs.store.records`)


def heartbeat_age(folder, beat, now, name=HEARTBEAT_NAME):
    """Seconds since `beat` (the folder's `Heartbeat`, read from its file `name`) was written, as well as this
    machine can tell."""
    age = now - beat.time
    if age >= -HEARTBEAT_STALE_SECONDS:
        return max(age, 0.0)
    try:  # a clock far ahead: when this machine saw the file change
        return max(now - os.stat(folder.file(name)).st_mtime, 0.0)
    except OSError:
        return float("inf")


def worker_state(folder, token, created, now=None):
    """ALIVE, NOT_RESPONDING or GONE: the worker of the run in `folder` (a `RunFolder`) whose token is `token` and
    which was asked for at `created` (a record's time stamp). A run without a token (written before workers had
    one) has no worker."""
    if not token:
        return GONE
    now = time.time() if now is None else now
    beat = folder.read_heartbeat()
    if beat is None or beat.token != token:
        launch = folder.read_launch()
        if launch is not None and launch.token == token and (_is_our_worker(launch) or _pending(folder, launch, now)):
            return ALIVE  # started, not beating yet (a slow start on a busy machine), or waiting for a cluster's CPUs
        started = epoch_seconds(created)
        return ALIVE if started is not None and now - started < LAUNCH_GRACE_SECONDS else GONE
    here = beat.host == socket.gethostname()
    if here and not folder.lock_held():
        return GONE  # the kernel dropped its lock: the process ended, whatever its heartbeat says
    if heartbeat_age(folder, beat, now) <= HEARTBEAT_STALE_SECONDS:
        return ALIVE
    return NOT_RESPONDING if here else GONE  # another host's worker is judged by its heartbeat alone


def worker_alive(folder, token, created, now=None):
    """Whether the worker of the run in `folder` lives (`worker_state` is ALIVE)."""
    return worker_state(folder, token, created, now) == ALIVE


def _is_our_worker(beat):
    """Whether `beat`'s process (a `Heartbeat` or launch record) runs on this machine and is an hrnn worker (a
    recycled pid is some other program: its command line says so)."""
    if beat.host != socket.gethostname() or beat.pid <= 0:
        return False
    try:
        with open(f"/proc/{beat.pid}/cmdline", "rb") as f:
            words = f.read().split(b"\0")
    except OSError:
        return False
    return b"hrnn" in words and b"worker" in words


def _pending(folder, launch, now):
    """Whether `launch` says that a cluster's scheduler holds the run and its launcher said so lately."""
    return launch.pid == PENDING_PID and heartbeat_age(folder, launch, now, LAUNCH_NAME) <= HEARTBEAT_STALE_SECONDS


def holds_lock(pid, path):
    """Whether process `pid` holds a `flock` on the file at `path` (read from /proc/locks; False where there is
    none), so that a signal meant for a worker never reaches a process that merely reuses its pid."""
    try:
        stat = os.stat(path)
        with open("/proc/locks") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    inode = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[4] == str(pid) and fields[5] == inode:
            return True
    return False


def end_unresponsive(folder, force=False):
    """End the worker of `folder`'s run, which has stopped responding: SIGCONT and SIGTERM (it resumes, and SIGTERM
    is its Stop: it saves what it trained), or with `force` SIGKILL (for one that SIGTERM did not end). Only a
    process of this machine that holds the run's lock is signalled. Returns the signal's name, or None when there
    was no such process to signal."""
    beat = folder.read_heartbeat()
    if beat is None or beat.host != socket.gethostname() or not holds_lock(beat.pid, folder.file(LOCK_NAME)):
        return None
    signals = (signal.SIGKILL,) if force else (signal.SIGCONT, signal.SIGTERM)
    try:
        for sig in signals:
            os.kill(beat.pid, sig)
    except ProcessLookupError:
        return None
    return signals[-1].name
