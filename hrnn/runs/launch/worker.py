"""A training run in its own process: `python -m hrnn worker RUN_DIR`.

The worker owns its run from start to end. It takes the run folder's lock (`worker.lock`, held until the process
ends), beats a heartbeat with the run's token, waits its turn for a training slot (`hrnn.runs.launch.slots`), loads the
data its settings name, seeds itself, trains through `hrnn.train.loop.train`, and writes everything to the run folder:
the progress log (one line per batch and per epoch, flushed as written), the snapshots of the grid digits
(`hrnn.runs.store.snapshots`), the model after every epoch, the record and its summary. It checks the folder's `stop`
file after every batch (and while queued); SIGTERM asks the same stop.
Started in its own session, it survives the browser, the app's server and a restart of either; whoever started it
only reads the folder. Its exit status says how the run ended (0 finished or stopped, 1 failed: the record says why).

`python -m hrnn train` runs the same `execute` in the foreground, a spare worker (`hrnn.runs.launch.spare`) once a run
arrives, a Ray task (`hrnn.runs.launch.ray_task`) without a training slot.
"""

import contextlib
import fcntl
import logging
import os
import signal
import threading
import time

from hrnn import settings
from hrnn.data.mnist import load_mnist
from hrnn.runs.launch.slots import SlotQueue
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.progress_log import ProgressLogWriter
from hrnn.runs.store.records import LIVE_STATUSES, LOCK_NAME, RecordError, RunRecord
from hrnn.runs.store.snapshots import SnapshotWriter
from hrnn.train.history import utc_now
from hrnn.train.progress import Progress

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
LOCK_WAIT_SECONDS = 2.0  # a reader probing the lock holds it for microseconds; another worker holds it for good


class RunBusy(RuntimeError):
    """Another worker already owns this run."""


class StopRequest:
    """A run's stop: its folder's `stop` file (written by anyone, any process) or `set()` in this process."""

    def __init__(self, folder):
        self.folder = folder
        self._event = threading.Event()

    def set(self):
        self._event.set()

    def is_set(self):
        return self._event.is_set() or self.folder.stop_requested


@contextlib.contextmanager
def _stop_on_sigterm(stop):
    """While inside, SIGTERM (`kill`, a service manager stopping the machine's services) is Stop: the run ends after
    its current batch and keeps what it trained, instead of dying as an interrupted run. Only in the main thread,
    where Python runs signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class HeartbeatWriter:
    """Rewrites the run's `heartbeat.json` every `HEARTBEAT_SECONDS` from a thread, for as long as it runs (a thread,
    so a long batch or evaluation does not make a live worker look dead)."""

    def __init__(self, folder, token, every=HEARTBEAT_SECONDS):
        self.folder, self.token, self.every = folder, token, every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="hrnn-heartbeat", daemon=True)

    def start(self):
        self.folder.write_heartbeat(self.token)  # at once: readers see a live worker before any slow import
        self._thread.start()
        return self

    def _beat(self):
        while not self._done.wait(self.every):
            try:
                self.folder.write_heartbeat(self.token)
            except OSError as exc:  # a full disk must not end the run; readers will call it stale
                log.warning("cannot write the heartbeat of %s: %s", self.folder.path, exc)

    def stop(self):
        self._done.set()
        self._thread.join()


class _RunLock:
    """The run folder's `worker.lock`, held exclusively by its one worker."""

    def __init__(self, folder):
        self.path = folder.file(LOCK_NAME)
        self._fd = None

    def __enter__(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise RunBusy(f"{self.path.parent}: another worker is running this run") from None
                time.sleep(0.05)
        self._fd = fd
        return self

    def __exit__(self, *exc):
        os.close(self._fd)  # closing the only descriptor releases the lock


def execute(folder, data=None, stop=None, on_queued=None, share_cores=False, slots=True, threads=None):
    """Run the run in `folder` (a `RunFolder` with its settings and queued record) in this process, to its end.

    Args:
        folder: the run.
        data: `MnistData` already loaded (used if its `spec` is the settings' source; else the settings' source is
            loaded once the run has a slot).
        stop: a `StopRequest` (one on `folder` if None). SIGTERM sets it too, while the run lasts.
        on_queued: called with the number of runs ahead when the run has to wait for a slot.
        share_cores: give TensorFlow this run's share of the cores (`limit_threads`); for a process of its own,
            where TensorFlow has not started yet.
        slots: wait for a training slot of the run's queue (`hrnn.runs.launch.slots`); False where a scheduler gave the
            run its CPUs already (a Ray task, `hrnn.runs.launch.ray_task`).
        threads: give TensorFlow this many threads (the CPUs a scheduler gave the run), instead of `share_cores`.

    Returns:
        The final `RunRecord`.

    Raises:
        RunBusy: another worker owns the run. RecordError: the settings cannot be read. Any error of the run
        itself, after its record says "failed".
    """
    run_settings = folder.read_settings()
    stop = stop or StopRequest(folder)
    with _stop_on_sigterm(stop), _RunLock(folder):
        beat = HeartbeatWriter(folder, run_settings.token).start()
        record = None
        try:
            record = folder.read_record()
            if record.status not in LIVE_STATUSES:
                return record  # ran already (a second launch of the same folder)
            record.pid = os.getpid()
            slot = _wait_for_slot(folder, run_settings, stop, on_queued) if slots else contextlib.nullcontext()
            with slot or contextlib.nullcontext():
                if slot is None or stop.is_set():  # asked to stop while it waited: it never starts
                    record.status, record.finished = "stopped", utc_now()  # `started` unset: it never started
                    folder.write_record(record)
                    return record
                record.status, record.started = "running", utc_now()  # no longer in line: starting
                folder.write_record(record)
                return _train(folder, run_settings, record, data, stop, threads or _share(run_settings, share_cores))
        except BaseException as exc:
            if record is not None and record.status in LIVE_STATUSES:  # failed before `train` took over
                record.status, record.finished = "failed", utc_now()
                record.error = f"{type(exc).__name__}: {exc}"
                try:
                    folder.write_record(record)
                except OSError:
                    log.warning("could not write the record of the failed run in %s", folder.path)
            raise
        finally:
            beat.stop()


def _wait_for_slot(folder, run_settings, stop, on_queued):
    """A training slot of the run's queue, once it is the run's turn (`hrnn.runs.launch.slots`); None if `stop` was
    asked first. `on_queued(runs ahead)` is called when it has to wait."""
    queue = SlotQueue(run_settings.queue, run_settings.max_runs)
    holder = folder.path.absolute()
    first = queue.ahead_of(run_settings.run_id, run_settings.created) == 0
    slot = queue.try_acquire(holder) if first else None
    if slot is None:
        if on_queued is not None:
            on_queued(queue.ahead_of(run_settings.run_id, run_settings.created))
        slot = queue.wait(run_settings.run_id, run_settings.created, stop.is_set, holder=holder)
    return slot


def _share(run_settings, share_cores):
    """TensorFlow's threads for a run that shares this machine's cores (its share), or None to leave them be."""
    return core_share(run_settings.max_runs) if share_cores else None


def core_share(max_runs):
    """A run's share of the cores this process may use, when `max_runs` runs train at once (at least one)."""
    return max(1, settings.usable_cores() // max_runs)


def _train(folder, run_settings, record, data, stop, threads):
    if data is None or data.spec != run_settings.data:
        data = load_mnist(run_settings.data)
    if threads:
        _set_threads(threads)
    writer = ProgressLogWriter(folder.progress_path)
    snapshots = SnapshotWriter(folder.path)
    try:
        result = train_in_folder(
            run_settings.config,
            data,
            folder.path,
            record=record,
            progress=Progress(sink=writer),
            stop_event=stop,
            on_snapshot=snapshots,
        )
    finally:
        writer.close()
        snapshots.close()
    return result.record


def train_in_folder(config, data, run_dir, record=None, **kwargs):
    """Train as `hrnn.train.loop.train` does, keeping the run's `record.json` (and `summary.json`) and `model.keras`
    in `run_dir` up to date: the record when training starts, after every epoch and at the end.

    Args:
        record: the run's `RunRecord` so far (the queued one, with its id, token and creation time), or None for a
            new one named after the folder.
        kwargs: passed on to `train` (progress, stop_event, pool, keep_model, callbacks, on_snapshot).

    Returns:
        `hrnn.train.loop.TrainResult`, its `record` the run's `RunRecord`.
    """
    from hrnn.train.loop import (
        train,  # TensorFlow: imported once the run has its slot (700 MB; a queued worker holds 35)
    )

    folder = RunFolder(run_dir)
    if record is None:
        record = RunRecord(status="running", run_id=folder.run_id, created=utc_now(), config=config)
    return train(
        config,
        data,
        report=record,
        on_report=folder.write_record,
        save_model=folder.save_model,
        **kwargs,
    )


def limit_threads(max_runs):
    """Give this process's TensorFlow its share of the cores: all of them over `max_runs` runs at once (a process that
    is to train a run on this machine, before TensorFlow starts: the spare)."""
    _set_threads(core_share(max_runs))


def _set_threads(count):
    """Let this process's TensorFlow run each operation on `count` threads."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(count)
    except RuntimeError:  # TensorFlow already started in this process: it keeps its own setting
        log.debug("TensorFlow threads already set", exc_info=True)


def run_process(run_dir):
    """`python -m hrnn worker RUN_DIR`: the worker of one run. Returns the exit status (0: the run ended, finished
    or stopped; 1: it failed, and its record says why).

    Raises:
        RunBusy: another worker owns the run. RecordError: its settings cannot be read.
    """
    return run_to_exit_status(RunFolder(run_dir), share_cores=True)


def send_output_to(path):
    """From here on, this process's output (its own, TensorFlow's, the logs') goes to the file at `path` (a run's
    `worker.log`), appended."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def run_to_exit_status(folder, **kwargs):
    """`execute(folder, **kwargs)`'s exit status (see `run_process`): 0 when the run finished or stopped, 1 when it
    failed (logged here, with its traceback; its record says why). How every process that runs a run ends it: a
    worker (`run_process`), the spare (`hrnn.runs.launch.spare`) and a Ray task (`hrnn.runs.launch.ray_task`).

    Raises:
        RunBusy: another worker owns the run. RecordError: its settings cannot be read.
    """
    try:
        record = execute(folder, **kwargs)
    except (RunBusy, RecordError):
        raise  # no run of this worker's: the command line says why, in one line
    except Exception:  # the run failed, and its record says why; the traceback goes to worker.log
        log.exception("run %s failed", folder.run_id)
        return 1
    return 0 if record.status in ("finished", "stopped") else 1
