"""Runs as Ray tasks (`HRNN_LAUNCHER=ray`): each run is one task asking for the CPUs a run needs, on any node of
a Ray cluster, running the same worker on the same run folder (`hrnn.runs.launch.ray_task`). Ray is imported only here,
and only when a `RayLauncher` is made; without Ray, making one raises `LaunchError` saying how to add it.

What changes from the local launcher, and what does not:

* **The queue.** Ray's scheduler is the queue: a task waits until a node has its CPUs, and its worker skips the
  runs folder's training slots. Until its task starts, a run has no process: this launcher rewrites its
  `launch.json` (pid `PENDING_PID`) every `WATCH_SECONDS` while Ray holds it, and the run lives while it does
  (`hrnn.runs.store.liveness`). The order in line is the order of Starts, read from the run folders, as for local runs.
* **Liveness.** A worker on this machine is judged by its lock and heartbeat; one on another node by its heartbeat
  alone. Tasks are not retried (`max_retries=0`): a killed worker's run reads as interrupted, and stays so.
* **Stop** is the same `stop` file. For a run still waiting in Ray's queue, this launcher cancels its task and
  writes "stopped before it started".
* **Failures before the worker starts** (a node that does not see the runs folder, a task Ray could not run) are
  written into the run's record by this launcher, which sees the folder, as one line.
* The tasks belong to the app's Ray job: they end with the app's process, and their runs read as interrupted.
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from hrnn import settings
from hrnn.errors import one_line
from hrnn.runs.launch.launcher import PACKAGE_ROOT, LaunchError
from hrnn.runs.launch.ray_task import run_task
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.records import LIVE_STATUSES, PENDING_PID, RecordError
from hrnn.train.history import utc_now

log = logging.getLogger(__name__)

RUN_CPUS = 2  # what a run asks of Ray: it trains fastest with two cores of its own (`settings.max_runs`)
WATCH_SECONDS = 1.0  # how often the launcher looks at its tasks (and rewrites the waiting runs' launch.json)
RAY_MISSING = "HRNN_LAUNCHER=ray, but Ray is not installed: pip install -r requirements-scale.txt"
CAPACITY_SECONDS = 5.0  # how long the cluster's CPU count is taken as known
REACH_SECONDS = 5.0  # how long to try the cluster's address (Ray itself retries an unreachable one for minutes)


def import_ray():
    """The `ray` module. Raises LaunchError (`RAY_MISSING`) when it is not installed."""
    try:
        import ray
    except ImportError:
        raise LaunchError(RAY_MISSING) from None
    return ray


def check_reachable(address):
    """Raise LaunchError, at once, when nothing answers at `address` ("host:port" or "ray://host:port")."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_SECONDS).close()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(exc)
        raise LaunchError(f"cannot reach the Ray cluster at {address} ({reason})") from None


NO_RAY_HERE = (
    "HRNN_RAY_ADDRESS=auto, but no Ray is running on this machine: start one with `ray start --head`, or name a "
    "cluster's HOST:6379"
)


def connect(address="auto"):
    """Join the Ray cluster at `address` ("host:port", "ray://..."), unless this process has joined one already.
    With "auto": a Ray running on this machine, and none started here: a Ray started inside the app's process could
    not always reach its own head on the machine's network address and then ended the whole server (a walkthrough
    saw it twice), so without a running Ray the app says so in one line and trains on this machine
    (`choice.open_launcher`). Returns the `ray` module.

    Raises:
        LaunchError: Ray is not installed, or the cluster cannot be joined (one line).
    """
    ray = import_ray()
    if ray.is_initialized():
        return ray
    if address != "auto":
        check_reachable(address)
    try:
        ray.init(address=address, log_to_driver=False)
    except Exception as exc:  # refused, another Ray version, a token it lacks; or, "auto", no Ray running here
        if address == "auto" and isinstance(exc, ConnectionError):  # none is started inside the app
            raise LaunchError(NO_RAY_HERE) from None
        token = "" if os.environ.get("RAY_AUTH_MODE") else " (a cluster with token authentication: RAY_AUTH_MODE=token)"
        raise LaunchError(f"cannot join the Ray cluster at {address}: {one_line(exc)}{token}") from exc
    return ray


@dataclass
class _Task:
    folder: RunFolder
    token: str
    ref: object  # the task's ObjectRef
    started: bool = False  # its worker has beaten (or it was cancelled): the launcher stops vouching for it


class RayLauncher:
    """Starts each run as a Ray task (see the module docstring), and watches its tasks from a thread."""

    def __init__(self, root=None, address="auto", cpus=None, nice=None):
        """Join Ray (`connect(address)`). Each run asks for `cpus` CPUs (`RUN_CPUS`, or fewer where no node has so
        many) and runs `nice` lower in priority (`HRNN_WORKER_NICE` if None). Raises LaunchError."""
        self.root = Path(root) if root is not None else settings.runs_dir()
        self._ray = connect(address)
        self.cpus = cpus or min(RUN_CPUS, self._largest_node())
        self.nice = settings.worker_nice() if nice is None else nice
        env = {"PYTHONPATH": PACKAGE_ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}  # each node needs hrnn at this same path
        one = {"num_cpus": self.cpus, "max_calls": 1, "max_retries": 0, "runtime_env": {"env_vars": env}}
        self._remote = self._ray.remote(**one)(run_task)
        self._capacity, self._capacity_asked = 1, -CAPACITY_SECONDS
        self._lock = threading.Lock()
        self._tasks = {}  # run id -> _Task, until its task has ended
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="hrnn-ray-launcher", daemon=True)
        self._thread.start()

    def _largest_node(self):
        cpus = [node["Resources"].get("CPU", 0) for node in self._ray.nodes() if node.get("Alive")]
        return max(1, int(max(cpus, default=1)))

    def capacity(self):
        """How many runs the cluster can train at once: its CPUs over a run's (at least 1). Asked of Ray at most
        every `CAPACITY_SECONDS` (every page watching a queued run asks each second); the last answer when the
        cluster does not answer."""
        if time.monotonic() - self._capacity_asked < CAPACITY_SECONDS:
            return self._capacity
        self._capacity_asked = time.monotonic()
        try:
            self._capacity = max(1, int(self._ray.cluster_resources().get("CPU", 0) // self.cpus))
        except Exception:  # the cluster is gone for now: the page still draws
            log.warning("Ray did not say its CPUs", exc_info=True)
        return self._capacity

    def start(self, folder):
        """Submit `folder`'s run as a task; returns at once. Raises LaunchError (the run's record then says
        "failed", with the reason) when Ray does not take it."""
        token = folder.read_settings().token
        folder.write_launch(token, PENDING_PID)  # alive while Ray holds it, before its worker beats
        try:
            ref = self._remote.remote(str(folder.path.absolute()), token, self.cpus, self.nice)
        except Exception as exc:
            reason = f"Ray did not take the run: {one_line(exc)}"
            _fail(folder, reason)
            raise LaunchError(reason) from exc
        with self._lock:
            self._tasks[folder.run_id] = _Task(folder, token, ref)

    def wait(self, run_id, timeout=None):
        """Wait until the task of `run_id` has ended and this launcher has dealt with its end. Returns False if
        `timeout` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if run_id not in self._tasks:
                    return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(WATCH_SECONDS / 4)

    def close(self):
        """Stop watching (the tasks go on while this process lives). Leaves Ray joined: it may be shared."""
        self._closed.set()
        self._thread.join()

    def _watch(self):
        while not self._closed.wait(WATCH_SECONDS):
            try:
                self._look()
            except Exception:  # the cluster hiccuped: look again next time
                log.exception("could not look at the Ray tasks")

    def _look(self):
        with self._lock:
            tasks = list(self._tasks.values())
        if not tasks:
            return
        done, _ = self._ray.wait([t.ref for t in tasks], num_returns=len(tasks), timeout=0)
        ended = set(done)
        for task in tasks:
            if task.ref in ended:
                self._end(task)
                with self._lock:
                    self._tasks.pop(task.folder.run_id, None)
            elif not task.started:
                self._vouch(task)

    def _vouch(self, task):
        """A task not known to have started: done vouching once its worker beats; cancelled if asked to stop;
        else its launch.json is rewritten, so that the run reads as queued."""
        beat = task.folder.read_heartbeat()
        if beat is not None and beat.token == task.token:
            task.started = True
        elif task.folder.stop_requested:
            task.started = True
            _end_unstarted(task.folder, "stopped")
            self._ray.cancel(task.ref)
        else:
            task.folder.write_launch(task.token, PENDING_PID)

    def _end(self, task):
        """The task has ended: a run whose worker never beat fails with the reason (a node that cannot see the
        folder, a task Ray could not run). A worker that did beat wrote its own end, or died: interrupted."""
        try:
            problem = self._ray.get(task.ref)
        except self._ray.exceptions.TaskCancelledError:
            problem = None
        except Exception as exc:  # the worker was killed, or Ray could not run the task
            problem = f"its Ray task failed: {one_line(exc)}"
        beat = task.folder.read_heartbeat()
        if problem and (beat is None or beat.token != task.token):
            _fail(task.folder, problem)
        elif problem:
            log.warning("run %s: %s", task.folder.run_id, problem)


def _end_unstarted(folder, status, error=None):
    """Write the end of a run that never started, if its record still says it is to come (or training)."""
    try:
        record = folder.read_record()
    except (OSError, RecordError) as exc:
        log.warning("cannot end the run in %s: %s", folder.path, exc)
        return
    if record.status not in LIVE_STATUSES:
        return
    record.status, record.finished, record.error = status, utc_now(), error
    folder.write_record(record)


def _fail(folder, reason):
    _end_unstarted(folder, "failed", error=reason)
