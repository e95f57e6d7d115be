"""Listing runs: every run folder under a runs folder with its summary and liveness, the queue's order, and
finding one run by id (standard library only). Summaries are cached until their file changes."""

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from hrnn import settings
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.liveness import ALIVE, GONE, end_unresponsive, worker_state
from hrnn.runs.store.reading import read_json
from hrnn.runs.store.records import (
    INTERRUPTED,
    LIVE_STATUSES,
    NOT_RESPONDING,
    RECORD_NAME,
    SUMMARY_NAME,
    RecordError,
    RunSummary,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunEntry:
    """One run as listed: its folder, its summary (None when unreadable) and what it is doing now."""

    folder: RunFolder
    summary: RunSummary | None
    problem: str | None = None  # why the run's files cannot be read
    worker: str = GONE  # its worker: ALIVE, NOT_RESPONDING or GONE (`hrnn.runs.store.liveness`)
    queue_position: int | None = None  # 1-based place in the queue, for a live queued run

    @property
    def run_id(self):
        return self.folder.run_id

    @property
    def path(self):
        return self.folder.path

    @property
    def model_path(self):
        return self.folder.model_path

    @property
    def has_model(self):
        return self.folder.has_model

    @property
    def readable(self):
        return self.summary is not None

    @property
    def alive(self):
        return self.worker == ALIVE

    @property
    def status(self):
        """queued | running | finished | stopped | failed | interrupted | not responding | 'unreadable: <reason>'."""
        if self.summary is None:
            return f"unreadable: {self.problem}"
        if self.summary.status in LIVE_STATUSES and self.worker != ALIVE:
            return NOT_RESPONDING if self.worker == NOT_RESPONDING else INTERRUPTED
        return self.summary.status

    @property
    def live(self):
        """Queued or training, with a live worker."""
        return self.summary is not None and self.summary.status in LIVE_STATUSES and self.alive

    @property
    def not_responding(self):
        """Queued or training, with a worker of this machine that holds the run but has stopped beating: out of the
        queue's count, and Stop ends its process (`hrnn.runs.store.liveness.end_unresponsive`)."""
        return self.summary is not None and self.summary.status in LIVE_STATUSES and self.worker == NOT_RESPONDING

    @property
    def active(self):
        """Live or not responding: its worker's process is still there, so the run may yet go on."""
        return self.live or self.not_responding

    def stop(self, by):
        """Ask the run to stop (its `stop` file: after the current batch, or, queued, before it starts); `by`: who
        asks (`STOPPED_BY_OWNER`, `STOPPED_BY_SERVER`: the caller has checked that they may). A worker that is not
        responding cannot read it, so its process is signalled too (`end_unresponsive`): SIGTERM the first time,
        SIGKILL once a stop was already asked. Returns the signal's name, or None when none was sent."""
        force = self.folder.stop_requested
        self.folder.request_stop(by)
        if not self.not_responding:
            return None
        return end_unresponsive(self.folder, force=force)

    def read_record(self):
        """The full `RunRecord` (reads `record.json`); raises RecordError."""
        return self.folder.read_record()

    @property
    def accuracy(self):
        """`(accuracy, "test" or "val")` of the run's model on held-out images: the test, else the last validation;
        `(None, "")` when it has neither."""
        s = self.summary
        return (None, "") if s is None else held_out_accuracy(s.test_accuracy, s.val_accuracy)

    @property
    def empty(self):
        """Ended without a finished epoch or a saved model: nothing to use."""
        return not self.active and self.summary is not None and self.summary.epochs_done == 0 and not self.has_model


def held_out_accuracy(test_accuracy, val_accuracy):
    """The one rule for "the run's accuracy": `(accuracy, "test" or "val")` of its model on held-out images, the
    test's (`test_accuracy`, None if not tested), else its last validation's (`val_accuracy`); `(None, "")` with
    neither. The list of runs, the runs' names and the Train page's verdict all judge a run by it."""
    if test_accuracy is not None:
        return test_accuracy, "test"
    if val_accuracy is not None:
        return val_accuracy, "val"
    return None, ""


class _SummaryCache:
    """Summaries by run folder, read again only when the file they came from changes (size, mtime, inode)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}  # folder path -> (file key, summary or None, problem or None)

    def read(self, folder):
        """`(summary, problem)` for `folder`, or None when it holds no run (no record, no summary)."""
        for name in (SUMMARY_NAME, RECORD_NAME):  # a summary, else (runs from before summaries) the record
            path = folder.file(name)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                return None, f"{name} cannot be read ({exc.strerror or exc})"
            key = (name, stat.st_ino, stat.st_size, stat.st_mtime_ns)
            with self._lock:
                cached = self._entries.get(folder.path)
            if cached is not None and cached[0] == key:
                return cached[1:]
            try:
                if name == SUMMARY_NAME:
                    values = read_json(path)
                    try:
                        summary, problem = RunSummary.from_json(values), None
                    except RecordError as exc:
                        raise RecordError(f"{SUMMARY_NAME}: {exc}") from None
                else:
                    summary, problem = RunSummary.from_record(folder.read_record(), folder.run_id), None
            except RecordError as exc:
                summary, problem = None, str(exc)
            with self._lock:
                self._entries[folder.path] = (key, summary, problem)
            return summary, problem
        return None


_SUMMARIES = _SummaryCache()


def _is_run_name(name):
    return bool(name) and not name.startswith(".") and "/" not in name and os.sep not in name


def read_entry(folder, now=None):
    """The `RunEntry` of one run folder (its queue position unset), or None if it holds no run.

    A run whose worker is gone (its summary says so, and no process on this machine holds its lock) loses any
    temporary file its worker left half written (`RunFolder.remove_temporary_files`)."""
    found = _SUMMARIES.read(folder)
    if found is None:
        return None
    summary, problem = found
    worker = GONE
    if summary is not None and summary.status in LIVE_STATUSES:
        worker = worker_state(folder, summary.token, summary.created, now)
    entry = RunEntry(folder, summary, problem, worker)
    if entry.readable and not entry.active and not folder.lock_held():
        removed = folder.remove_temporary_files()
        if removed:
            log.info("removed %s, left by the ended worker of %s", ", ".join(removed), folder.path)
    return entry


def list_runs(root=None):
    """All runs under `root` (default `default_runs_dir()`), newest first, each a `RunEntry`.

    Reads each run's small summary (cached by modification time), its heartbeat and its lock, never its history.
    A run whose files cannot be read is listed with its reason, never raised: one damaged run must not hide the
    others. Hidden folders (`.slots`, `.workers`) are not runs.
    """
    root = Path(root) if root is not None else settings.runs_dir()
    try:
        folders = sorted((p for p in root.iterdir() if _is_run_name(p.name)), reverse=True) if root.is_dir() else []
    except OSError as exc:  # an unreadable runs folder: no runs to show, not a crash
        log.warning("cannot list the runs folder %s (%s)", root, exc)
        return []
    now = time.time()
    entries = []
    for path in folders:
        try:
            if not path.is_dir():
                continue
        except OSError:
            continue
        entry = read_entry(RunFolder(path), now)
        if entry is not None:
            entries.append(entry)
    return _with_queue_positions(entries)


def queue_order(entries):
    """The live queued runs among `entries`, first in line first (by the time they were asked for, then id)."""
    queued = [e for e in entries if e.live and e.summary.status == "queued"]
    return sorted(queued, key=lambda e: (e.summary.created, e.run_id))


def _with_queue_positions(entries):
    positions = {e.run_id: k for k, e in enumerate(queue_order(entries), start=1)}
    return [
        RunEntry(e.folder, e.summary, e.problem, e.worker, positions[e.run_id]) if e.run_id in positions else e
        for e in entries
    ]


def find_run(run_id, root=None):
    """The `RunEntry` of `run_id` in `root` (with its queue position), or None if there is no such run.

    `run_id` may come from a URL or a command line: anything but a plain folder name is no run."""
    if not isinstance(run_id, str) or not _is_run_name(run_id):
        return None
    for entry in list_runs(root):
        if entry.run_id == run_id:
            return entry
    return None
