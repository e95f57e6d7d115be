"""Starting runs: `create_run` makes a run folder, a launcher starts its worker. Standard library only.

Starting a run goes through one small interface, `Launcher.start(folder)`: whatever starts the worker gets only
the run folder, and everything the worker needs is in it (`settings.json`). `LocalLauncher` starts local processes,
each in its own session so that it outlives the app; `hrnn.runs.launch.ray_launcher.RayLauncher` submits Ray tasks.
`hrnn.runs.launch.choice.open_launcher` makes the one `HRNN_LAUNCHER` asks for (docs/architecture.md, "Serving a
class").
"""

import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Protocol

from hrnn import settings
from hrnn.runs.launch.slots import SlotQueue
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.records import LOG_NAME, RecordError, RunRecord, RunSettings, new_run_id, owner_digest
from hrnn.train.history import utc_now

log = logging.getLogger(__name__)

WORKER_NICE = 10  # app-started workers yield the CPU to the app, so drawing stays quick while a run trains
SPARES_DIR = ".workers"  # in the runs folder: the spare worker's own log, until it takes a run
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # so `python -m hrnn` finds this hrnn from any folder


def create_run(config, data_spec, root=None, run_dir=None, max_runs=None, owner=None):
    """Make the folder of a new run, queued: its `settings.json` and first record. Starts nothing.

    Args:
        config: the checked `TrainConfig`.
        data_spec: the `load_mnist` source its worker loads (`MnistData.spec`: never "auto", so that the worker
            loads what the starter loaded whatever its environment).
        root: the runs folder whose queue the run joins (`default_runs_dir()` if None).
        run_dir: the run's folder; a new folder in `root` if None.
        max_runs: the queue's training slots (`HRNN_MAX_RUNS` if None).
        owner: the key of whoever may stop it from the app (a browser's, `hrnn.ui.common.ownership`); its settings keep
            only its digest. None: nobody may, only the server (`python -m hrnn stop`).

    Returns:
        The run's `RunFolder`.
    """
    root = Path(root) if root is not None else settings.runs_dir()
    run_dir = Path(run_dir) if run_dir is not None else root / new_run_id()
    folder = RunFolder(run_dir)
    run_settings = RunSettings(
        run_id=folder.run_id,
        token=secrets.token_hex(16),
        config=config,
        data=data_spec,
        created=utc_now(),
        queue=str(root.absolute()),
        max_runs=max_runs if max_runs is not None else settings.max_runs(),
        owner=owner_digest(owner) if owner else "",
    )
    folder.path.mkdir(parents=True, exist_ok=True)
    folder.write_settings(run_settings)
    folder.write_record(RunRecord.queued(run_settings))
    return folder


class LaunchError(RuntimeError):
    """A launcher cannot be had, or cannot start a run (Ray not installed, its cluster unreachable). The message is
    one line saying what to do."""


class Launcher(Protocol):
    """Starts the worker of a run folder made by `create_run`. Returns at once; the worker runs on its own."""

    def start(self, folder): ...

    def capacity(self):
        """How many runs can train at once; more wait in line."""
        ...


def worker_command(*args, nice=WORKER_NICE):
    """The command line of `python -m hrnn worker ...`."""
    return [sys.executable, "-m", "hrnn", "worker", *map(str, args), "--nice", str(nice)]


def _worker_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def would_wait(folder):
    """Whether `folder`'s run would wait in line if its worker started now: a run asked for before it is waiting, or
    every training slot is taken. (A guess: the queue may move before the worker asks.)"""
    try:
        run_settings = folder.read_settings()
    except RecordError:
        return False  # its worker will say why
    queue = SlotQueue(run_settings.queue, run_settings.max_runs)
    if queue.ahead_of(run_settings.run_id, run_settings.created):
        return True
    try:
        slot = queue.try_acquire()
    except OSError:  # a read-only runs folder: its worker will say why
        return False
    if slot is None:
        return True
    slot.release()
    return False


def _note_launch(folder, pid):
    """Write the run's `launch.json`: until its worker beats, the run lives as long as process `pid` does, however
    long a busy machine makes it wait for its first heartbeat (`hrnn.runs.store.liveness`)."""
    try:
        folder.write_launch(folder.read_settings().token, pid)
    except (OSError, RecordError) as exc:  # the launch grace still covers it
        log.warning("cannot note the worker of %s: %s", folder.run_id, exc)


class LocalLauncher:
    """Starts each run's worker as a local process in its own session (it outlives the app).

    With `spare_data` (a `load_mnist` source), it keeps one spare worker warm for that source: started ahead of
    need, handed the next run's folder on its stdin, and replaced at once by a new spare. A spare that has not
    taken a run ends when this launcher's process does (its stdin closes). Where no spare can start (the runs
    folder is read-only, or full), runs start cold.
    """

    def __init__(self, root=None, spare_data=None, nice=None):
        self.root = Path(root) if root is not None else settings.runs_dir()
        self.spare_data = spare_data
        self.nice = settings.worker_nice() if nice is None else nice
        self._lock = threading.Lock()
        self._spare = None  # (Popen, its log path)
        self._children = []  # started workers, polled so that ended ones are reaped
        if spare_data is not None:
            self._keep_a_spare()

    def start(self, folder):
        """Start `folder`'s worker: hand it to the spare if one is waiting and the run can train at once, else start
        a new process. A run that waits in line waits in a new, small process that imports TensorFlow only once its
        turn comes (a spare has TensorFlow and the data loaded: hundreds of MB), and the spare stays for a run that
        can start at once."""
        waits = would_wait(folder)
        with self._lock:
            spare = None if waits else self._spare
            if spare is not None:
                self._spare = None
            self._children = [p for p in self._children if p.poll() is None]
        if spare is not None and self._hand_over(spare, folder):
            process = spare[0]
        else:
            with open(folder.file(LOG_NAME), "ab") as out:
                process = subprocess.Popen(
                    worker_command(folder.path, nice=self.nice),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=_worker_env(),
                    start_new_session=True,
                )
            with self._lock:
                self._children.append(process)
        _note_launch(folder, process.pid)
        if self.spare_data is not None and self._spare is None:
            self._keep_a_spare()

    def capacity(self):
        """`HRNN_MAX_RUNS`: the runs folder's training slots (`hrnn.runs.launch.slots`)."""
        return settings.max_runs()

    def _keep_a_spare(self):
        try:
            self._start_spare()
        except (OSError, ValueError) as exc:  # no log, no process, or HRNN_MAX_RUNS wrong: the next run starts cold
            log.warning("no spare worker: %s", exc)

    def _hand_over(self, spare, folder):
        process, spare_log = spare
        if process.poll() is not None:
            return False
        try:
            process.stdin.write(f"{folder.path.absolute()}\n".encode())
            process.stdin.close()
        except OSError:  # it died just now
            return False
        Path(spare_log).unlink(missing_ok=True)  # its output goes to the run's worker.log from now on
        with self._lock:
            self._children.append(process)
        return True

    def _start_spare(self):
        logs = self.root / SPARES_DIR
        logs.mkdir(parents=True, exist_ok=True)
        spare_log = logs / f"spare-{time.time_ns()}.log"
        with open(spare_log, "ab") as out:
            process = subprocess.Popen(
                worker_command("--spare", "--data", self.spare_data, "--max-runs", settings.max_runs(), nice=self.nice),
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_worker_env(),
                start_new_session=True,
            )
        with self._lock:
            old, self._spare = self._spare, (process, spare_log)
        if old is not None:
            self._retire(old)

    @staticmethod
    def _retire(spare):
        process, spare_log = spare
        try:
            process.stdin.close()  # it ends on an empty stdin
        except OSError:
            pass
        Path(spare_log).unlink(missing_ok=True)

    def close(self):
        """Let the spare go (it ends); started workers go on."""
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            self._retire(spare)
            try:
                spare[0].wait(timeout=60)
            except subprocess.TimeoutExpired:
                spare[0].kill()
                spare[0].wait()
