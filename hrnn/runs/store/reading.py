"""Reading a run file without trusting it (standard library only): only a regular file (never a FIFO or a device),
at most so many bytes, valid JSON, of a schema this hrnn reads, each field of its type and each number in its range.
Every reader of a run folder reads through here; what the files hold is `hrnn.runs.store.records`."""

import dataclasses
import json
import math
import os
import stat
from pathlib import Path

from hrnn import schema

SCHEMA = 1  # the version of the run files; a reader refuses a newer one
RECORD_NAME = "record.json"


class RecordError(ValueError):
    """A run file is missing, not JSON, of an unknown schema or wrongly typed. The message is the reason."""


FRACTIONS = frozenset({"accuracy", "val_accuracy", "test_accuracy"})  # shares of images: from 0 to 1
UNBOUNDED = frozenset({"loss", "val_loss", "test_loss"})  # a diverged run's losses are NaN or infinite: a result
UNCHECKED = frozenset({"config"})  # `TrainConfig.check` bounds a config


def check_numbers(value, where=""):
    """Check the numbers of `value` (a dataclass read from a run file, or one of its fields named `where`): a
    fraction (`FRACTIONS`) is from 0 to 1, a loss (`UNBOUNDED`) may be anything, and every other number (counts,
    seconds, rates, epochs) is finite and not negative. Lists are checked item by item where their items are
    dataclasses (epoch entries); lists of numbers (each batch's loss and accuracy) are not. Returns `value`.

    Raises:
        RecordError: naming the first number out of its range: `test_accuracy: expected a number from 0 to 1,
            got nan`.
    """
    name = where.rpartition(".")[2].partition("[")[0]
    if name in UNBOUNDED or name in UNCHECKED or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if name in FRACTIONS and not 0 <= value <= 1:  # NaN fails both comparisons
            raise RecordError(f"{where}: expected a number from 0 to 1, got {value!r}")
        if not (math.isfinite(value) and value >= 0):
            raise RecordError(f"{where}: expected a finite number, 0 or more, got {value!r}")
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            check_numbers(getattr(value, f.name), f"{where}.{f.name}" if where else f.name)
    elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):  # read as list[SomeDataclass]
        for i, item in enumerate(value):
            check_numbers(item, f"{where}[{i}]")
    return value


def read_typed(cls, values):
    """A `cls` (a dataclass of this module) from parsed JSON, its types and numbers checked (`check_numbers`).
    Raises RecordError naming the first problem."""
    if isinstance(values, dict) and isinstance(values.get("schema"), int) and values["schema"] > SCHEMA:
        raise RecordError(f"written by a newer hrnn (schema {values['schema']}; this one reads {SCHEMA})")
    try:
        read = schema.from_json(cls, values)
    except schema.SchemaError as exc:
        raise RecordError(str(exc)) from None
    except RecursionError:  # JSON a parser could follow, too deep for the checks
        raise RecordError("nested too deeply to be read") from None
    return check_numbers(read)


# The most a reader takes of each run file, in bytes: a file that never ends or a hand-made giant is a damaged run,
# not the server's memory. A record holds its run's whole history (a million batches are about 60 MB); the
# progress log is read in pieces (`hrnn.runs.store.progress_log`), each line capped there.
MAX_FILE_BYTES = {RECORD_NAME: 512_000_000}
SMALL_FILE_BYTES = 4_000_000  # settings, summary, heartbeat, launch: a few KB as written


def open_run_file(path):
    """`path` open for reading in binary, when it is a regular file (a link to one is followed): never a FIFO, a
    device (a link to /dev/zero) or a folder, which would hang or never end. The file object is the caller's to close.

    Raises:
        RecordError: one line naming the file: missing, unreadable, or not a regular file.
    """
    name = Path(path).name
    try:  # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise RecordError(f"no {name}") from None
    except OSError as exc:
        raise RecordError(f"{name} cannot be read ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RecordError(f"{name} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_json(path, max_bytes=None):
    """Parsed JSON of the run file `path`, read only when it is a regular file (`open_run_file`) of at most
    `max_bytes` (by default `MAX_FILE_BYTES` for its name, else `SMALL_FILE_BYTES`). Every reader of a run folder's
    JSON files reads them through this.

    Raises:
        RecordError: one line naming the file: missing, unreadable, not a regular file, too large, not JSON, or
            nested too deeply to parse.
    """
    name = Path(path).name
    limit = MAX_FILE_BYTES.get(name, SMALL_FILE_BYTES) if max_bytes is None else max_bytes
    with open_run_file(path) as fh:
        try:
            text = fh.read(limit + 1)
        except OSError as exc:
            raise RecordError(f"{name} cannot be read ({exc.strerror or exc})") from None
    if len(text) > limit:
        raise RecordError(f"{name} is larger than {limit:,} bytes, more than hrnn writes")
    try:
        return json.loads(text)
    except RecursionError:
        raise RecordError(f"{name} is nested too deeply to be read") from None
    except (ValueError, UnicodeError) as exc:
        raise RecordError(f"{name} is not valid JSON ({_one_line(exc)})") from None


def _one_line(exc):
    return " ".join(str(exc).split())[:200]
