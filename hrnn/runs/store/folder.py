"""One run folder: reading and writing its files, its stop request, and whether its worker lives (standard
library only). The files and the liveness rule are described in `hrnn.runs.store.records`."""

import fcntl
import hmac
import os
import socket
import time
from dataclasses import asdict
from pathlib import Path

from hrnn.atomic import atomic_save_model, atomic_write_json, is_temporary
from hrnn.runs.store.reading import read_json, read_typed
from hrnn.runs.store.records import (
    HEARTBEAT_NAME,
    LAUNCH_NAME,
    LOCK_NAME,
    MODEL_NAME,
    PROGRESS_NAME,
    RECORD_NAME,
    SETTINGS_NAME,
    STOP_NAME,
    SUMMARY_NAME,
    Heartbeat,
    RecordError,
    RunRecord,
    RunSettings,
    RunSummary,
    StopRequest,
    owner_digest,
)
from hrnn.train.history import utc_now

DISK_FULL_BYTES = 8_000_000  # less free than this, and a run cannot write its record and model: the disk is full


class RunFolder:
    """The files of one run (see the module docstring); reading and writing them, nothing cached."""

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self):
        return f"RunFolder({str(self.path)!r})"

    @property
    def run_id(self):
        return self.path.name

    def file(self, name):
        return self.path / name

    @property
    def model_path(self):
        return self.path / MODEL_NAME

    @property
    def progress_path(self):
        return self.path / PROGRESS_NAME

    @property
    def has_model(self):
        try:
            return self.model_path.is_file()
        except OSError:  # an unreadable run folder has no model to offer
            return False

    def disk_full(self):
        """Whether the file system of this run folder has less than `DISK_FULL_BYTES` free now (False when it cannot
        be told): a worker that could not write its record there ended without saying why."""
        try:
            stats = os.statvfs(self.path)
        except OSError:
            return False
        return stats.f_bavail * stats.f_frsize < DISK_FULL_BYTES

    @property
    def has_progress_log(self):
        try:
            return self.progress_path.is_file()
        except OSError:  # an unreadable run folder: its record says why
            return False

    def read_settings(self):
        """`RunSettings`; raises RecordError."""
        return read_typed(RunSettings, read_json(self.file(SETTINGS_NAME)))

    def write_settings(self, settings):
        atomic_write_json(self.file(SETTINGS_NAME), asdict(settings))

    def read_record(self):
        """`RunRecord`; raises RecordError."""
        values = read_json(self.file(RECORD_NAME))  # its errors name the file
        try:
            return RunRecord.from_json(values)
        except RecordError as exc:
            raise RecordError(f"{RECORD_NAME}: {exc}") from None

    def write_record(self, record):
        """Write `record.json`, then `summary.json` from it (both atomic; the summary never runs ahead)."""
        atomic_write_json(self.file(RECORD_NAME), record.to_json())
        atomic_write_json(self.file(SUMMARY_NAME), asdict(RunSummary.from_record(record, self.run_id)))

    def save_model(self, model):
        """Save `model` (anything with `save(path)`: a Keras model) as `model.keras`, atomically.

        Raises:
            OSError: naming the file, its errno kept: `model.keras could not be saved: No space left on device`.
        """
        try:
            atomic_save_model(model, self.model_path)
        except OSError as exc:
            raise OSError(exc.errno, f"{MODEL_NAME} could not be saved: {exc.strerror or exc}") from exc

    def _read_beat(self, name):
        try:
            return read_typed(Heartbeat, read_json(self.file(name)))
        except RecordError:
            return None

    def _write_beat(self, name, token, pid):
        beat = Heartbeat(token=token, pid=pid, host=socket.gethostname(), time=time.time())
        atomic_write_json(self.file(name), asdict(beat))

    def read_heartbeat(self):
        """The worker's last `Heartbeat`, or None if there is none (or it cannot be read)."""
        return self._read_beat(HEARTBEAT_NAME)

    def write_heartbeat(self, token):
        self._write_beat(HEARTBEAT_NAME, token, os.getpid())

    def read_launch(self):
        """The `Heartbeat` its launcher wrote for the process it started for this run, or None."""
        return self._read_beat(LAUNCH_NAME)

    def write_launch(self, token, pid):
        """Note that process `pid` of this machine was started to be the worker of the run whose token is `token`
        (`PENDING_PID`: a cluster's scheduler holds the run; its launcher rewrites this while it waits)."""
        self._write_beat(LAUNCH_NAME, token, pid)

    def request_stop(self, by):
        """Ask the run's worker to stop after its current batch (or, queued, not to start); `by`: who asks,
        `STOPPED_BY_OWNER` or `STOPPED_BY_SERVER` (the first request's is kept: a second one only insists)."""
        first = self.read_stop_request()
        atomic_write_json(self.file(STOP_NAME), asdict(StopRequest(requested=utc_now(), by=first.by if first else by)))

    @property
    def stop_requested(self):
        return os.path.exists(self.file(STOP_NAME))

    def read_stop_request(self):
        """The run's `StopRequest`, or None when none was made (or it cannot be read: an empty `stop` file, as
        older versions wrote none, reads as a request from nobody in particular)."""
        if not self.stop_requested:
            return None
        try:
            return read_typed(StopRequest, read_json(self.file(STOP_NAME)))
        except RecordError:
            return StopRequest(requested="")

    def owned_by(self, key):
        """Whether `key` (a browser's owner key, `str`) is the key of whoever started this run from the app. False
        for a run with no owner (started from the command line, or before runs had owners) or unreadable settings."""
        try:
            owner = self.read_settings().owner
        except RecordError:
            return False
        return bool(owner) and bool(key) and hmac.compare_digest(owner, owner_digest(key))

    def remove_temporary_files(self):
        """Remove the temporary files of atomic writes that never finished (`hrnn.atomic.is_temporary`: a worker
        killed while it saved its model). Only for a run whose worker is gone: a live one's are its writes in
        progress. Returns the names removed; what cannot be removed (a read-only folder) stays, unreported."""
        try:
            names = [e.name for e in os.scandir(self.path) if is_temporary(e.name) and e.is_file(follow_symlinks=False)]
        except OSError:
            return []
        removed = []
        for name in names:
            try:
                os.unlink(self.path / name)
            except OSError:
                continue
            removed.append(name)
        return removed

    def lock_held(self):
        """Whether a process holds this run's `worker.lock` now (False when there is no lock file)."""
        try:
            fd = os.open(self.file(LOCK_NAME), os.O_RDONLY | os.O_NONBLOCK)  # a FIFO there must not hang
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)
