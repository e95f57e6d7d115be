"""A run's progress log: the `hrnn.train.progress` events of one run as JSON lines in `progress.jsonl`, append-only.

The worker writes one line per event (a batch, an epoch, a phase change, a reading of the digit grid) and flushes
it at once, so any process can follow a run live by reading the file; nothing is ever rewritten. A reader keeps
its place (`ProgressLogReader`): each call reads only the bytes added since the last one, and a call that finds
the file unchanged (same size and modification time) reads nothing. Each line is checked as it is read
(`decode_event`: types, and numbers in range); a line that fails is skipped, and the reader names the first one.
numpy and the standard library only.
"""

import base64
import dataclasses
import json
import logging
import math
import os
import threading
import time
import types
import typing

import numpy as np

from hrnn import schema
from hrnn.runs.store.reading import FRACTIONS, UNBOUNDED, RecordError, check_numbers, open_run_file
from hrnn.train.history import EpochEntry
from hrnn.train.progress import Progress, ProgressSnapshot

log = logging.getLogger(__name__)

_TYPES = typing.get_type_hints(ProgressSnapshot)


def _plain_number_kinds(kind):
    """`(int or float, None allowed)` for a field typed int, float or either `| None`; None for any other type."""
    options = typing.get_args(kind) if typing.get_origin(kind) in (typing.Union, types.UnionType) else (kind,)
    numbers = [k for k in options if k is not type(None)]
    if len(numbers) == 1 and numbers[0] in (int, float):
        return numbers[0], len(options) == 2
    return None


# Fields read on every batch line are plain numbers, checked without the general reader (a 200 MB log is a
# million lines); fractions and losses have their own ranges and take the general path.
_PLAIN = {
    key: kinds
    for key, kind in _TYPES.items()
    if (kinds := _plain_number_kinds(kind)) is not None and key not in FRACTIONS and key not in UNBOUNDED
}
BATCH_LINES_BUDGET_BYTES = 16_000_000  # a longer log has only every k-th batch line read (`ProgressLogReader`)
_BATCH_PREFIX = b'{"b":'
CHUNK_BYTES = 4_000_000
MAX_LINE_BYTES = 64_000_000  # a line longer than this is no event the worker writes (one is a few KB at most)


def encode_event(event):
    """`event` as one JSON line (bytes, newline-terminated): the digit grid's images become one base64 string."""
    updates = event.get("u")
    if updates and "grid_images" in updates:
        images = np.asarray(updates["grid_images"], dtype=np.uint8).reshape(-1, 28, 28)  # (n, 28, 28)
        packed = {"uint8_base64": base64.b64encode(images.tobytes()).decode("ascii"), "count": len(images)}
        event = {**event, "u": {**updates, "grid_images": packed}}
    return (json.dumps({**event, "t": round(time.time(), 3)}, separators=(",", ":")) + "\n").encode()


def decode_event(line):
    """The event of one line, its types and numbers checked (`hrnn.runs.store.reading.check_numbers`: counts, times and
    rates finite and not negative, accuracies from 0 to 1; a diverged run's NaN losses pass).

    Raises:
        RecordError: naming the field: not JSON, not an event, a field of the wrong type or a number out of range
            (readers skip the line).
    """
    try:
        event = json.loads(line)
    except RecursionError:
        raise RecordError("nested too deeply to be read") from None
    except ValueError as exc:  # a UnicodeDecodeError is one
        raise RecordError(f"not JSON ({exc})") from None
    try:
        return _decode(event)
    except schema.SchemaError as exc:
        raise RecordError(str(exc)) from None
    except RecursionError:
        raise RecordError("nested too deeply to be read") from None


def _plain_number(key, value):
    """`value` as field `key`'s number when it is one in range (finite, not negative) or an allowed None, else the
    `_decode` fallback's marker, `...`."""
    kind, none_allowed = _PLAIN[key]
    if value is None:
        return None if none_allowed else ...
    if type(value) is int or (kind is float and type(value) is float):
        if value >= 0 and (kind is int or math.isfinite(value)):
            return float(value) if kind is float else value
    return ...


def _batch(values):
    """A batch event's `[step, loss, accuracy]`: plain numbers, the step a whole number."""
    if type(values) is list and len(values) == 3 and all(type(v) in (int, float) for v in values):
        converted = [float(v) for v in values]
    else:
        converted = schema.convert(values, list[float], "b")
        if len(converted) != 3:
            raise RecordError("b: expected [step, loss, accuracy]")
    step = converted[0]
    if not (math.isfinite(step) and step >= 0 and step == int(step)):
        raise RecordError(f"b[0]: expected a whole number, 0 or more, got {step!r}")
    converted[0] = int(step)
    return converted


def _decode(event):
    if not isinstance(event, dict):
        raise RecordError(f"expected an event (a JSON object), got {type(event).__name__}")
    decoded = {}
    if "b" in event:
        decoded["b"] = _batch(event["b"])
    if "e" in event:
        check_numbers(schema.from_json(EpochEntry, event["e"], "e"), "e")
        decoded["e"] = event["e"]
    updates = {}
    for key, value in schema.convert(event.get("u", {}), dict, "u").items():
        if key in _PLAIN and (number := _plain_number(key, value)) is not ...:
            updates[key] = number
        elif key == "grid_images":
            packed = schema.convert(value, dict, "u.grid_images")
            try:
                raw = base64.b64decode(schema.convert(packed.get("uint8_base64"), str, "u.grid_images"))
                updates[key] = list(np.frombuffer(raw, np.uint8).reshape(-1, 28, 28))
            except ValueError as exc:  # not base64, or not a whole number of 28 x 28 images
                raise RecordError(f"u.grid_images: {exc}") from None
        elif key in _TYPES:
            updates[key] = check_numbers(schema.convert(value, _TYPES[key], f"u.{key}"), f"u.{key}")
    decoded["u"] = updates
    return decoded


class ProgressLogWriter:
    """Appends events to a progress log, one flushed line each: a `Progress` sink (`Progress(sink=writer)`).

    A line that cannot be written (a full disk) raises OSError naming the file, its errno kept:
    `progress.jsonl could not be written: No space left on device`.
    """

    def __init__(self, path):
        self._name = os.path.basename(path)
        self._file = open(path, "ab")  # noqa: SIM115 - held open for the run, closed by `close`

    def __call__(self, event):
        try:
            self._file.write(encode_event(event))
            self._file.flush()
        except OSError as exc:
            raise OSError(exc.errno, f"{self._name} could not be written: {exc.strerror or exc}") from exc

    def close(self):
        try:
            self._file.close()
        except OSError as exc:  # the flush of a line that could not be written: that write already said so
            log.warning("could not close %s: %s", self._name, exc)


class ProgressLogReader:
    """Follows one progress log: `snapshot()` is the run's `ProgressSnapshot` as of the log's last complete line, and
    `problem` says what in the log could not be read.

    A log longer than `BATCH_LINES_BUDGET_BYTES` (a very long run: 16 MB is about 80,000 batches) has only every
    k-th batch line read, k growing with its size, so that its first view takes seconds, not minutes; every other
    line (epochs, the digit grid, phases) and the last line read are always applied, and `thinned` says so.

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
        self._lines = 0  # complete lines read
        self._batch_lines = 0  # batch lines met while thinning
        self.thinned = False  # whether batch lines were skipped (a log over the budget): the curves show every k-th
        self._bad_line = None  # RecordError: the first line that was skipped
        self._read_error = None  # RecordError: the log could not be read, the last time it was tried
        self._grid_problem = None  # RecordError: the digit grid's lists disagree in length (the grid is left out)

    @property
    def problem(self):
        """None, or a RecordError naming the file and what could not be read: the log itself (`progress.jsonl cannot
        be read (Permission denied)`), else its first skipped line (`progress.jsonl line 7: u.samples_total:
        expected a finite number, 0 or more, got -1`), else a digit grid whose lists disagree (`progress.jsonl: the
        digit grid has 25 images, 20 labels and 20 readings`: the snapshot has no grid)."""
        return self._read_error or self._bad_line or self._grid_problem

    @property
    def exists(self):
        return os.path.isfile(self.path)

    def snapshot(self):
        """The run's progress so far (a default `ProgressSnapshot` while there is no log)."""
        with self._lock:
            try:
                stat = os.stat(self.path)
            except FileNotFoundError:
                return self._snapshot
            except OSError as exc:
                return self._cannot_read(exc)
            key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if key == self._key:
                return self._snapshot
            if self._key is not None and (stat.st_ino != self._key[0] or stat.st_size < self._offset):
                self._reset()  # a different file now: read it from the start
            every = math.ceil(stat.st_size / BATCH_LINES_BUDGET_BYTES)  # 1 up to the budget
            try:
                with open_run_file(self.path) as fh:  # a regular file only: a FIFO or a device never ends
                    fh.seek(self._offset)
                    while data := fh.read(CHUNK_BYTES):  # in pieces: a long log never sits whole in memory
                        self._read_error = None
                        self._offset += len(data)
                        lines = (self._partial + data).split(b"\n")
                        self._partial = lines.pop()
                        self._apply(lines, every, ends=self._offset >= stat.st_size)
                        if len(self._partial) > MAX_LINE_BYTES:  # a line that never ends: skipped, named
                            self._partial = b""
                            self._lines += 1
                            self._skip_line(f"longer than {MAX_LINE_BYTES:,} bytes, more than hrnn writes")
            except RecordError as exc:
                log.warning("cannot read the progress log %s (%s)", self.path, exc)
                self._read_error = exc
                return self._snapshot
            except OSError as exc:
                return self._cannot_read(exc)
            self._key = key
            self._snapshot = self._checked_grid(self._progress.snapshot())
            return self._snapshot

    def _checked_grid(self, snap):
        """`snap`, or, when the lists of its digit grid disagree in length (a damaged log), `snap` without the grid
        and the disagreement kept as `problem`."""
        images, labels = len(snap.grid_images), len(snap.grid_labels)
        readings = {len(snap.grid_predictions), len(snap.grid_confidences)}
        if images == labels and readings <= {0, images}:
            self._grid_problem = None
            return snap
        said = f"{images} images, {labels} labels and {len(snap.grid_predictions)} readings"
        self._grid_problem = RecordError(f"{os.path.basename(self.path)}: the digit grid has {said}")
        empty = {name: [] for name in ("grid_images", "grid_labels", "grid_predictions", "grid_confidences")}
        return dataclasses.replace(snap, **empty)

    def _apply(self, lines, every, ends):
        """Apply complete `lines` (bytes) in order; with `every` > 1, only every `every`-th batch line, and the last
        (`ends`: these are the log's last lines for now), so that the counts it carries are the latest."""
        last = -1
        if ends and every > 1:
            last = next((k for k in range(len(lines) - 1, -1, -1) if lines[k].startswith(_BATCH_PREFIX)), -1)
        for k, line in enumerate(lines):
            self._lines += 1
            if every > 1 and k != last and line.startswith(_BATCH_PREFIX):
                self._batch_lines += 1
                if self._batch_lines % every:
                    self.thinned = True
                    continue
            if not line.strip():
                continue
            try:
                self._progress.apply(decode_event(line))
            except (ValueError, TypeError) as exc:
                self._skip_line(exc)

    def _skip_line(self, why):
        """Count line `self._lines` as skipped, for `why`; the first one skipped is the log's `problem`."""
        self.skipped_lines += 1
        log.debug("skipped a line of %s: %s", self.path, why)
        if self._bad_line is None:
            self._bad_line = RecordError(f"{os.path.basename(self.path)} line {self._lines}: {why}")

    def _cannot_read(self, exc):
        log.warning("cannot read the progress log %s (%s)", self.path, exc)
        self._read_error = RecordError(f"{os.path.basename(self.path)} cannot be read ({exc.strerror or exc})")
        return self._snapshot
