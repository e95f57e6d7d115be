"""The runs folder: one sub-folder per training run, the typed schema of its files, and listing runs.

A run folder is the one source of truth about a run. Its worker process (`hrnn.worker`) writes it; the app and
the CLI only read it, apart from one control request (`stop`):

    settings.json   what was asked (`RunSettings`): written once, before the worker starts
    record.json     what happened (`RunRecord`): status, config, the full history, results; rewritten atomically
    summary.json    the record's few fields a list shows (`RunSummary`), rewritten with it: listing reads only this
    progress.jsonl  the progress log, append-only (`hrnn.progress_log`)
    heartbeat.json  the worker's token, pid, host and time (`Heartbeat`), rewritten every few seconds
    worker.lock     locked (`flock`) by the worker for as long as it lives
    stop            a request to stop, from the app or `python -m hrnn stop`
    model.keras     the model, after every epoch and at the end
    worker.log      the worker process's own output

Every file written whole is written atomically (a temporary file in the same folder, then `os.replace`), so a crash
or a kill leaves the previous complete file or the new one, never half of one. Readers never trust a file: a
record that is not JSON, is of an unknown schema or has a field of the wrong type is listed as
"unreadable: <reason>" and never breaks a list.

A run is alive while its worker is (`worker_alive`): its heartbeat carries the run's token and is fresh, and, on
this machine, the worker still holds `worker.lock`. The kernel drops the lock when the process dies, however it
dies, so a recycled PID cannot make a dead run look alive. A record that says "queued" or "running" without a live
worker reads as "interrupted".

The folder defaults to the user's data directory (`$XDG_DATA_HOME/hrnn/runs`, else `~/.local/share/hrnn/runs`);
`HRNN_RUNS_DIR` overrides it.
"""

import calendar
import fcntl
import json
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hrnn import schema
from hrnn.config import TrainConfig, preset_name

log = logging.getLogger(__name__)

SCHEMA = 1  # the version of the files below; a reader refuses a newer one
SETTINGS_NAME = "settings.json"
RECORD_NAME = "record.json"
SUMMARY_NAME = "summary.json"
PROGRESS_NAME = "progress.jsonl"
HEARTBEAT_NAME = "heartbeat.json"
LOCK_NAME = "worker.lock"
STOP_NAME = "stop"
MODEL_NAME = "model.keras"
LOG_NAME = "worker.log"

STATUSES = ("queued", "running", "finished", "stopped", "failed")  # what a record says
LIVE_STATUSES = ("queued", "running")  # ... and, while its worker lives, what the run is doing
INTERRUPTED = "interrupted"  # a live status whose worker is gone

HEARTBEAT_STALE_SECONDS = 30.0  # a heartbeat older than this is a dead worker's (it beats every 2 s)
LAUNCH_GRACE_SECONDS = 60.0  # how long a new run may go without a first heartbeat before it reads as dead


class RecordError(ValueError):
    """A run file is missing, not JSON, of an unknown schema or wrongly typed. The message is the reason."""


def default_runs_dir():
    """The runs folder: `$HRNN_RUNS_DIR`, else `$XDG_DATA_HOME/hrnn/runs`, else `~/.local/share/hrnn/runs`."""
    if os.environ.get("HRNN_RUNS_DIR"):
        return Path(os.environ["HRNN_RUNS_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hrnn" / "runs"


def new_run_id():
    """A sortable, unique run id: UTC time to the second plus 4 random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


def utc_now():
    """The time now as the records write it, to the microsecond (the queue's order): `2026-01-31T12:00:00.250000Z`."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"


def _epoch_seconds(stamp):
    """A record's UTC time stamp (with or without milliseconds) as seconds since the epoch, or None."""
    try:
        whole, _, fraction = stamp.removesuffix("Z").partition(".")
        return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float(f"0.{fraction or 0}")
    except (AttributeError, TypeError, ValueError):
        return None


# --- atomic writes ------------------------------------------------------------------------------------------------


def atomic_write_bytes(path, data):
    """Write `data` to `path` atomically (temp file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path, obj):
    """Write `obj` as indented JSON to `path` atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def atomic_save_model(model, path):
    """Save a Keras model to `path` (`.keras`) atomically: Keras writes a temp file that is then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".keras")
    os.close(fd)
    try:
        model.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- the schema ---------------------------------------------------------------------------------------------------


@dataclass
class RunSettings:
    """What a run was asked to do (`settings.json`), written by whoever starts it and read by its worker."""

    run_id: str
    token: str  # this run's worker identity: its heartbeat must carry it
    config: TrainConfig
    data: str  # the `load_mnist` source: "keras", "sample" or an absolute path (the starter's, not "auto")
    created: str  # UTC time it was asked for; the queue serves runs in this order
    queue: str  # the runs folder whose training slots it waits for
    max_runs: int  # how many runs that queue lets train at once
    schema: int = SCHEMA


@dataclass
class BatchHistory:
    """Each batch's own values, in order: `step` is the global step (1-based)."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


@dataclass
class History:
    """What a run learned: one entry per finished epoch, one value per batch."""

    epochs: list[dict[str, int | float]] = field(default_factory=list)  # epoch, loss, accuracy, val_*, seconds
    batches: BatchHistory = field(default_factory=BatchHistory)


@dataclass
class RunRecord:
    """What happened in a run (`record.json`). Written by the worker at the start, after every epoch and at the
    end; every reader (the CLI, the saved-runs table, the model picker, the curves) reads it through this class."""

    status: str  # one of STATUSES
    run_id: str = ""
    created: str = ""  # UTC time the run was asked for
    config: TrainConfig | None = None
    token: str = ""
    data: str | None = None  # what it trains and validates on, in words
    started: str | None = None  # UTC time training began (after any wait in the queue)
    finished: str | None = None
    pid: int | None = None  # the worker's, for people: liveness never rests on it
    history: History = field(default_factory=History)
    steps_per_epoch: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    wall_seconds: float | None = None
    first_batch_seconds: float | None = None  # from the start of training to the end of the first batch
    samples_seen: int | None = None
    samples_per_second: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    test_images: int | None = None
    message: str | None = None  # the final summary: "finished after 3 epochs in 61 s; test accuracy 93.2%"
    error: str | None = None  # why it failed
    schema: int = SCHEMA

    @classmethod
    def queued(cls, settings):
        """The first record of a run, written with its settings: waiting for its worker and a training slot."""
        return cls(
            status="queued",
            run_id=settings.run_id,
            created=settings.created,
            config=settings.config,
            token=settings.token,
        )

    @classmethod
    def from_json(cls, values):
        """A record from parsed JSON. Raises RecordError naming the first problem."""
        return _read_with_status(cls, values)

    def to_json(self):
        return asdict(self)

    @property
    def last_epoch(self):
        """The last finished epoch's entry (a dict), or None."""
        return self.history.epochs[-1] if self.history.epochs else None


@dataclass
class RunSummary:
    """The few fields of a record that a list of runs shows (`summary.json`): small, so listing stays cheap."""

    run_id: str
    status: str
    created: str = ""
    token: str = ""
    epochs_done: int = 0
    epochs: int | None = None  # planned
    arch: str = "hrnn"  # the model's architecture (summaries from before architectures are HRNNs)
    preset: str = ""  # which preset its settings follow, in words (`hrnn.config.preset_name`)
    row_units: int | None = None
    col_units: int | None = None
    optimizer: str | None = None
    val_accuracy: float | None = None  # the last finished epoch's
    test_accuracy: float | None = None
    test_images: int | None = None  # how many test images `test_accuracy` is on (summaries before it: None)
    samples_seen: int = 0
    finished: str | None = None
    error: str | None = None
    schema: int = SCHEMA

    @classmethod
    def from_record(cls, record, run_id=None):
        config, last = record.config, record.last_epoch
        return cls(
            run_id=run_id or record.run_id,
            status=record.status,
            created=record.created,
            token=record.token,
            epochs_done=len(record.history.epochs),
            epochs=config.epochs if config else None,
            arch=config.arch if config else "hrnn",
            preset=preset_name(config) if config else "",
            row_units=config.row_units if config else None,
            col_units=config.col_units if config else None,
            optimizer=config.optimizer if config else None,
            val_accuracy=last.get("val_accuracy") if last else None,
            test_accuracy=record.test_accuracy,
            test_images=record.test_images,
            samples_seen=record.samples_seen or 0,
            finished=record.finished,
            error=record.error,
        )

    @classmethod
    def from_json(cls, values):
        return _read_with_status(cls, values)


@dataclass
class Heartbeat:
    """The worker's sign of life (`heartbeat.json`)."""

    token: str
    pid: int
    host: str
    time: float  # seconds since the epoch, when it was written


def _read_typed(cls, values):
    if isinstance(values, dict) and isinstance(values.get("schema"), int) and values["schema"] > SCHEMA:
        raise RecordError(f"written by a newer hrnn (schema {values['schema']}; this one reads {SCHEMA})")
    try:
        return schema.from_json(cls, values)
    except schema.SchemaError as exc:
        raise RecordError(str(exc)) from None


def _read_with_status(cls, values):
    """`_read_typed`, then the status checked against `STATUSES` (records and summaries alike)."""
    read = _read_typed(cls, values)
    if read.status not in STATUSES:
        raise RecordError(f"status: expected one of {', '.join(STATUSES)}, got {read.status!r}")
    return read


def _read_json(path):
    """Parsed JSON of `path`. Raises RecordError: missing, unreadable or not JSON."""
    try:
        text = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordError(f"no {Path(path).name}") from None
    except OSError as exc:
        raise RecordError(f"{Path(path).name} cannot be read ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordError(f"{Path(path).name} is not valid JSON ({exc})") from None


# --- one run folder -----------------------------------------------------------------------------------------------


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

    def read_settings(self):
        """`RunSettings`; raises RecordError."""
        return _read_typed(RunSettings, _read_json(self.file(SETTINGS_NAME)))

    def write_settings(self, settings):
        atomic_write_json(self.file(SETTINGS_NAME), asdict(settings))

    def read_record(self):
        """`RunRecord`; raises RecordError."""
        values = _read_json(self.file(RECORD_NAME))  # its errors name the file
        try:
            return RunRecord.from_json(values)
        except RecordError as exc:
            raise RecordError(f"{RECORD_NAME}: {exc}") from None

    def write_record(self, record):
        """Write `record.json`, then `summary.json` from it (both atomic; the summary never runs ahead)."""
        atomic_write_json(self.file(RECORD_NAME), record.to_json())
        atomic_write_json(self.file(SUMMARY_NAME), asdict(RunSummary.from_record(record, self.run_id)))

    def read_heartbeat(self):
        """The worker's last `Heartbeat`, or None if there is none (or it cannot be read)."""
        try:
            return _read_typed(Heartbeat, _read_json(self.file(HEARTBEAT_NAME)))
        except RecordError:
            return None

    def write_heartbeat(self, token):
        beat = Heartbeat(token=token, pid=os.getpid(), host=socket.gethostname(), time=time.time())
        atomic_write_json(self.file(HEARTBEAT_NAME), asdict(beat))

    def request_stop(self):
        """Ask the run's worker to stop after its current batch (or, queued, not to start)."""
        atomic_write_json(self.file(STOP_NAME), {"requested": utc_now()})

    @property
    def stop_requested(self):
        return os.path.exists(self.file(STOP_NAME))

    def lock_held(self):
        """Whether a process holds this run's `worker.lock` now (False when there is no lock file)."""
        try:
            fd = os.open(self.file(LOCK_NAME), os.O_RDONLY)
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


def worker_alive(folder, token, created, now=None):
    """Whether the worker of the run in `folder` (a `RunFolder`) lives.

    Its heartbeat must carry `token` (the run's) and be fresher than `HEARTBEAT_STALE_SECONDS`; on this machine the
    worker must also still hold the run's lock. A run that has no heartbeat yet counts as alive for
    `LAUNCH_GRACE_SECONDS` after `created` (its worker is starting). A run without a token (written before
    workers had one) is never alive.
    """
    if not token:
        return False
    now = time.time() if now is None else now
    beat = folder.read_heartbeat()
    if beat is None or beat.token != token:
        started = _epoch_seconds(created)
        return started is not None and now - started < LAUNCH_GRACE_SECONDS
    if now - beat.time > HEARTBEAT_STALE_SECONDS:
        return False
    return beat.host != socket.gethostname() or folder.lock_held()


# --- listing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunEntry:
    """One run as listed: its folder, its summary (None when unreadable) and what it is doing now."""

    folder: RunFolder
    summary: RunSummary | None
    problem: str | None = None  # why the run's files cannot be read
    alive: bool = False  # its worker lives
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
    def status(self):
        """queued | running | finished | stopped | failed | interrupted | 'unreadable: <reason>'."""
        if self.summary is None:
            return f"unreadable: {self.problem}"
        if self.summary.status in LIVE_STATUSES and not self.alive:
            return INTERRUPTED
        return self.summary.status

    @property
    def live(self):
        """Queued or training, with a live worker."""
        return self.summary is not None and self.summary.status in LIVE_STATUSES and self.alive

    def read_record(self):
        """The full `RunRecord` (reads `record.json`); raises RecordError."""
        return self.folder.read_record()

    @property
    def accuracy(self):
        """`(accuracy, "test" or "val")` of the run's model on held-out images: the test, else the last validation;
        `(None, "")` when it has neither."""
        s = self.summary
        if s is None:
            return None, ""
        if s.test_accuracy is not None:
            return s.test_accuracy, "test"
        if s.val_accuracy is not None:
            return s.val_accuracy, "val"
        return None, ""

    @property
    def empty(self):
        """Ended without a finished epoch or a saved model: nothing to use."""
        return not self.live and self.summary is not None and self.summary.epochs_done == 0 and not self.has_model

    def _kind(self):
        """What the run is, in words: its preset, else its architecture (summaries from before presets)."""
        s = self.summary
        return s.preset or ("HRNN" if s.arch == "hrnn" else f"{s.arch} baseline")

    def name(self):
        """The run in words, for people: "quick demo, 3 of 3 epochs, 97.1% test"."""
        s = self.summary
        if s is None:
            return f"unreadable run {self.run_id}"
        kind = self._kind()
        planned = s.epochs if s.epochs is not None else "?"
        text = f"{kind}, {s.epochs_done} of {planned} epoch{'' if planned == 1 else 's'}"
        accuracy, on = self.accuracy
        return text + (f", {accuracy:.1%} {on}" if accuracy is not None else "")

    def label(self):
        """A short label for pickers (the sidebar is narrow): what it is, how it did, when: "quick demo 97.1%
        (Nov 29 08:33)"; a run that did not finish says how it ended."""
        s = self.summary
        if s is None:
            return f"{self.run_id} ({self.status})"
        kind = self._kind()
        accuracy, _ = self.accuracy
        parts = [kind]
        if self.status != "finished":
            parts.append(self.status)
        if accuracy is not None:
            parts.append(f"{accuracy:.1%}")
        return f"{' '.join(parts)} ({started_text(self.run_id)})"


def started_text(run_id):
    """When a run was started, from its id, in this machine's local time: "Nov 29 08:33" (the id if it has no
    time in it)."""
    try:
        stamp = calendar.timegm(time.strptime(run_id[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        return run_id
    return time.strftime("%b %d %H:%M", time.localtime(stamp))


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
                    values = _read_json(path)
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
    """The `RunEntry` of one run folder (its queue position unset), or None if it holds no run."""
    found = _SUMMARIES.read(folder)
    if found is None:
        return None
    summary, problem = found
    alive = summary is not None and summary.status in LIVE_STATUSES
    alive = alive and worker_alive(folder, summary.token, summary.created, now)
    return RunEntry(folder, summary, problem, alive)


def list_runs(root=None):
    """All runs under `root` (default `default_runs_dir()`), newest first, each a `RunEntry`.

    Reads each run's small summary (cached by modification time), its heartbeat and its lock, never its history.
    A run whose files cannot be read is listed with its reason, never raised: one damaged run must not hide the
    others. Hidden folders (`.slots`, `.workers`) are not runs.
    """
    root = Path(root) if root is not None else default_runs_dir()
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
        RunEntry(e.folder, e.summary, e.problem, e.alive, positions[e.run_id]) if e.run_id in positions else e
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
