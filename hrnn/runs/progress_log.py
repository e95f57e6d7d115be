"""A run's progress log: the `hrnn.train.progress` events of one run as JSON lines in `progress.jsonl`, append-only.

The worker writes one line per event (a batch, an epoch, a phase change, a reading of the digit grid) and flushes
it at once, so any process can follow a run live by reading the file; nothing is ever rewritten. A reader keeps
its place (`ProgressLogReader`): each call reads only the bytes added since the last one, and a call that finds
the file unchanged (same size and modification time) reads nothing. numpy and the standard library only.
"""

import base64
import json
import logging
import os
import threading
import time
import typing

import numpy as np

from hrnn import schema
from hrnn.train.progress import Progress, ProgressSnapshot

log = logging.getLogger(__name__)

_TYPES = typing.get_type_hints(ProgressSnapshot)


def encode_event(event):
    """`event` as one JSON line (bytes, newline-terminated): the digit grid's images become one base64 string."""
    updates = event.get("u")
    if updates and "grid_images" in updates:
        images = np.asarray(updates["grid_images"], dtype=np.uint8).reshape(-1, 28, 28)  # (n, 28, 28)
        packed = {"uint8_base64": base64.b64encode(images.tobytes()).decode("ascii"), "count": len(images)}
        event = {**event, "u": {**updates, "grid_images": packed}}
    return (json.dumps({**event, "t": round(time.time(), 3)}, separators=(",", ":")) + "\n").encode()


def decode_event(line):
    """The event of one line, its types checked.

    Raises:
        ValueError: not JSON, not an event, or a field of the wrong type (the line is then skipped by readers).
    """
    event = json.loads(line)
    if not isinstance(event, dict):
        raise ValueError("an event is a JSON object")
    decoded = {}
    if "b" in event:
        decoded["b"] = schema.convert(event["b"], list[float], "b")
        if len(decoded["b"]) != 3:
            raise ValueError("b: expected [step, loss, accuracy]")
        decoded["b"][0] = int(decoded["b"][0])
    if "e" in event:
        decoded["e"] = schema.convert(event["e"], dict[str, int | float], "e")
    updates = {}
    for key, value in schema.convert(event.get("u", {}), dict, "u").items():
        if key == "grid_images":
            packed = schema.convert(value, dict, "u.grid_images")
            raw = base64.b64decode(schema.convert(packed.get("uint8_base64"), str, "u.grid_images"))
            updates[key] = list(np.frombuffer(raw, np.uint8).reshape(-1, 28, 28))
        elif key in _TYPES:
            updates[key] = schema.convert(value, _TYPES[key], f"u.{key}")
    decoded["u"] = updates
    return decoded


class ProgressLogWriter:
    """Appends events to a progress log, one flushed line each: a `Progress` sink (`Progress(sink=writer)`)."""

    def __init__(self, path):
        self._file = open(path, "ab")  # noqa: SIM115 - held open for the run, closed by `close`

    def __call__(self, event):
        self._file.write(encode_event(event))
        self._file.flush()

    def close(self):
        self._file.close()


class ProgressLogReader:
    """Follows one progress log: `snapshot()` is the run's `ProgressSnapshot` as of the log's last complete line.

    Thread-safe; the snapshots it returns are shared between callers and must not be changed.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self.skipped_lines = 0  # lines that were not a valid event
        self._lock = threading.Lock()
        self._reset()

    def _reset(self):
        self._progress = Progress()
        self._offset = 0
        self._partial = b""  # the start of a line whose end is not written yet
        self._key = None
        self._snapshot = ProgressSnapshot()

    @property
    def exists(self):
        return os.path.isfile(self.path)

    def snapshot(self):
        """The run's progress so far (a default `ProgressSnapshot` while there is no log)."""
        with self._lock:
            try:
                stat = os.stat(self.path)
            except OSError:
                return self._snapshot
            key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if key == self._key:
                return self._snapshot
            if self._key is not None and (stat.st_ino != self._key[0] or stat.st_size < self._offset):
                self._reset()  # a different file now: read it from the start
            try:
                with open(self.path, "rb") as fh:
                    fh.seek(self._offset)
                    data = fh.read()
            except OSError as exc:
                log.warning("cannot read the progress log %s (%s)", self.path, exc)
                return self._snapshot
            self._offset += len(data)
            lines = (self._partial + data).split(b"\n")
            self._partial = lines.pop()
            for line in lines:
                if not line.strip():
                    continue
                try:
                    self._progress.apply(decode_event(line))
                except (ValueError, TypeError) as exc:
                    self.skipped_lines += 1
                    log.debug("skipped a line of %s: %s", self.path, exc)
            self._key = key
            self._snapshot = self._progress.snapshot()
            return self._snapshot
