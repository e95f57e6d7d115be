"""The queue: at most `max_runs` runs train at once on one runs folder; the others wait their turn, in order.

A training slot is a lock file, `<runs folder>/.slots/slot-<k>.lock` for k in 0..max_runs-1. A worker trains
while it holds an exclusive `flock` on one of them, and the kernel releases it when the worker ends, however it
ends (a finished run, an exception, `kill -9`): there is no scheduler process to keep alive and no slot to leak.
A queued worker polls every `POLL_SECONDS` and takes a free slot only when no live queued run was asked for before
it (`hrnn.runs.store.records.queue_order`), so runs start in the order they were started. Standard library only.

A worker that holds a slot writes its run folder's path into the slot file. A holder that has stopped responding
(paused with SIGSTOP, stuck: `hrnn.runs.store.liveness`) does not keep others waiting: each such holder lets one more
slot, `slot-<max_runs + k>.lock`, be taken. (Should it resume, one run more than `max_runs` trains for a while.)
"""

import fcntl
import logging
import os
import time
from pathlib import Path

from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.listing import list_runs, queue_order, read_entry

log = logging.getLogger(__name__)

SLOTS_DIR = ".slots"
POLL_SECONDS = 0.5


class Slot:
    """A held training slot; released by `release`, by leaving a `with` block, or by the process ending."""

    def __init__(self, fd, index):
        self._fd = fd
        self.index = index

    def release(self):
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class SlotQueue:
    """The training slots of the runs folder `root`: `max_runs` of them."""

    def __init__(self, root, max_runs):
        self.root = Path(root)
        self.max_runs = max_runs
        self.folder = self.root / SLOTS_DIR

    def try_acquire(self, holder=None):
        """A free `Slot`, or None when all are taken. `holder` (the run folder's path) is written into it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for index in range(self.max_runs + self.unresponsive_holders()):
            fd = os.open(self.folder / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            if holder is not None:
                try:
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, str(holder).encode(), 0)
                except OSError:  # the slot is held all the same; only its holder's name is missing
                    log.warning("cannot write the holder of %s", self.folder / f"slot-{index}.lock")
            return Slot(fd, index)
        return None

    def unresponsive_holders(self):
        """How many slots are held by a worker that has stopped responding (by the run folder each slot names)."""
        count = 0
        try:
            paths = list(self.folder.glob("slot-*.lock"))
        except OSError:
            return 0
        for path in paths:
            try:
                holder = path.read_text().strip()
            except (OSError, UnicodeDecodeError):
                continue
            if not holder:
                continue
            try:
                entry = read_entry(RunFolder(holder))
            except OSError:
                continue
            count += entry is not None and entry.not_responding
        return count

    def ahead_of(self, run_id, created):
        """How many live queued runs in the folder were asked for before (`created`, `run_id`)."""
        queued = queue_order(list_runs(self.root))
        return sum((e.summary.created, e.run_id) < (created, run_id) for e in queued)

    def wait(self, run_id, created, should_stop, poll=POLL_SECONDS, holder=None):
        """Block until this run's turn and a free slot: returns the `Slot` (`holder` written in it), or None if
        `should_stop()` became true while waiting."""
        while not should_stop():
            if self.ahead_of(run_id, created) == 0:
                slot = self.try_acquire(holder)
                if slot is not None:
                    return slot
            time.sleep(poll)
        return None
