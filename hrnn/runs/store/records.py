"""A run folder's files and their typed schema: settings, record, summary, heartbeat (standard library only).

A run folder is the one source of truth about a run. Its worker process (`hrnn.runs.launch.worker`) writes it; the app
and the CLI only read it, apart from one control request (`stop`):

    settings.json   what was asked (`RunSettings`): written once, before the worker starts; it holds the SHA-256
                    of its owner's key (the browser that pressed Start), never the key itself
    record.json     what happened (`RunRecord`): status, config, the full history, results; rewritten atomically
    summary.json    the record's few fields a list shows (`RunSummary`), rewritten with it: listing reads only this
    progress.jsonl  the progress log, append-only (`hrnn.runs.store.progress_log`)
    snapshots.json  the grid digits read at about 100 moments of training: a header, then records appended to
    snapshots.bin   snapshots.bin (`hrnn.runs.store.snapshots`)
    heartbeat.json  the worker's token, pid, host and time (`Heartbeat`), rewritten every few seconds
    launch.json     the same of the process a launcher started for the run, before it beats (`Heartbeat`); or,
                    rewritten by its launcher while a cluster's scheduler holds the run, pid `PENDING_PID`
    worker.lock     locked (`flock`) by the worker for as long as it lives
    stop            a request to stop (`StopRequest`), from the run's owner in the app (`STOPPED_BY_OWNER`) or
                    from the server, `python -m hrnn stop` (`STOPPED_BY_SERVER`)
    model.keras     the model, after every epoch and at the end
    worker.log      the worker process's own output

Every file written whole is written atomically (a temporary file in the same folder, then `os.replace`), so a crash
or a kill leaves the previous complete file or the new one, never half of one. Readers never trust a file: a
record that is not JSON, is of an unknown schema, has a field of the wrong type or a number out of its range
(`hrnn.runs.store.reading`) is listed as "unreadable: <reason>" and never breaks a list.

A run is alive while its worker is (`hrnn.runs.store.liveness`): its heartbeat carries the run's token and is fresh,
and, on this machine, the worker still holds `worker.lock`. The kernel drops the lock when the process dies, however it
dies, so a recycled PID cannot make a dead run look alive. A worker that holds its lock but no longer beats reads
as "not responding"; a record that says "queued" or "running" without a worker reads as "interrupted".

The folder defaults to the user's data directory (`$XDG_DATA_HOME/hrnn/runs`, else `~/.local/share/hrnn/runs`);
`HRNN_RUNS_DIR` overrides it.
"""

import calendar
import hashlib
import secrets
import time
from dataclasses import asdict, dataclass, field

from hrnn.runs.store.old_forms import upgrade_record, upgrade_summary
from hrnn.runs.store.reading import RECORD_NAME as RECORD_NAME  # named there, beside its size limit
from hrnn.runs.store.reading import SCHEMA, RecordError, read_typed
from hrnn.schema import OLD_NAMES
from hrnn.train.config import TrainConfig, preset_of
from hrnn.train.history import TrainReport

SETTINGS_NAME = "settings.json"
SUMMARY_NAME = "summary.json"
PROGRESS_NAME = "progress.jsonl"
HEARTBEAT_NAME = "heartbeat.json"
LAUNCH_NAME = "launch.json"
LOCK_NAME = "worker.lock"
STOP_NAME = "stop"
STOPPED_BY_OWNER = "owner"  # a stop request from the browser that started the run
STOPPED_BY_SERVER = "server"  # ... from the server's command line, `python -m hrnn stop`
MODEL_NAME = "model.keras"
LOG_NAME = "worker.log"

STATUSES = ("queued", "running", "finished", "stopped", "failed")  # what a record says
LIVE_STATUSES = ("queued", "running")  # ... and, while its worker lives, what the run is doing
INTERRUPTED = "interrupted"  # a live status whose worker is gone
NOT_RESPONDING = "not responding"  # a live status whose worker holds its lock but has stopped beating

HEARTBEAT_STALE_SECONDS = 30.0  # a heartbeat older than this is a dead worker's (it beats every 2 s)
LAUNCH_GRACE_SECONDS = 60.0  # how long a new run may go without a first heartbeat before it reads as dead
PENDING_PID = 0  # the pid of a `launch.json` for a run waiting in a cluster's scheduler: no process yet


def new_run_id():
    """A sortable, unique run id: UTC time to the second plus 4 random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


def epoch_seconds(stamp):
    """A record's UTC time stamp (with or without milliseconds) as seconds since the epoch, or None."""
    try:
        whole, _, fraction = stamp.removesuffix("Z").partition(".")
        return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float(f"0.{fraction or 0}")
    except (AttributeError, TypeError, ValueError):
        return None


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
    owner: str = ""  # SHA-256 (hex) of the key of whoever may stop it from the app (`owner_digest`); "": nobody
    schema: int = SCHEMA


@dataclass
class StopRequest:
    """A request to stop the run (`stop`): when, and from where (`STOPPED_BY_OWNER`, `STOPPED_BY_SERVER`, or "" in
    a request from before it was said)."""

    requested: str
    by: str = ""


def owner_digest(key):
    """The SHA-256 (hex) that a run's settings keep of its owner's key (`str`): the key cannot be read back from it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class RunRecord(TrainReport):
    """What happened in a run (`record.json`): the loop's `TrainReport` (status one of STATUSES) and the run's
    identity. Written by the worker at the start, after every epoch and at the end; every reader (the CLI, the
    saved-runs table, the model picker, the curves, the verdict) reads it through this class."""

    run_id: str = ""
    created: str = ""  # UTC time the run was asked for
    token: str = ""
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
        """A record from parsed JSON (an old record's `data_kind` read from its words: `old_forms`). Raises
        RecordError naming the first problem."""
        return read_with_status(cls, upgrade_record(values))

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
    preset: str = ""  # which preset its settings follow (`hrnn.train.config.preset_of`); before presets: ""
    row_units: int | None = None
    image_units: int | None = field(default=None, metadata={OLD_NAMES: ("col_units",)})
    optimizer: str | None = None
    val_accuracy: float | None = None  # the last finished epoch's
    test_accuracy: float | None = None
    test_images: int | None = None  # how many test images `test_accuracy` is on (summaries before it: None)
    data_kind: str = ""  # which MNIST it trains on (`hrnn.data.mnist_files.DataKind`); summaries before it: ""
    train_images: int | None = None  # how many images it trains on (per epoch); summaries before it: None
    samples_seen: int = 0
    finished: str | None = None
    error: str | None = None
    kernel: str | None = None  # the LSTMs' path, "native" or "tensorflow"; the CNN, older summaries: None
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
            preset=preset_of(config) if config else "",
            row_units=config.row_units if config else None,
            image_units=config.image_units if config else None,
            optimizer=config.optimizer if config else None,
            val_accuracy=last.val_accuracy if last else None,
            test_accuracy=record.test_accuracy,
            test_images=record.test_images,
            data_kind=record.data_kind or "",
            train_images=record.train_images,
            samples_seen=record.samples_seen or 0,
            finished=record.finished,
            error=record.error,
            kernel=record.kernel,
        )

    @classmethod
    def from_json(cls, values):
        """A summary from parsed JSON (an old summary's words read as data: `old_forms`). Raises RecordError naming
        the first problem."""
        return read_with_status(cls, upgrade_summary(values))


@dataclass
class Heartbeat:
    """The worker's sign of life (`heartbeat.json`)."""

    token: str
    pid: int
    host: str
    time: float  # seconds since the epoch, when it was written


def read_with_status(cls, values):
    """`read_typed`, then the status checked against `STATUSES` (records and summaries alike)."""
    read = read_typed(cls, values)
    if read.status not in STATUSES:
        raise RecordError(f"status: expected one of {', '.join(STATUSES)}, got {read.status!r}")
    return read
