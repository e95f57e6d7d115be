"""Runs: a run is a folder its worker process writes; everything else only reads it (and may ask it to stop).

Two parts: `store`, what a run folder holds and how it is read and written (records, one folder, listing,
liveness, the progress log, export), and `launch`, starting and running workers (the worker and the warm spare, the
queue of training slots and a queued run's wait, the local and Ray launchers). Beside them, comparing stored runs
(`compare`). Words for people are the front ends' (`hrnn.words`, `hrnn.ui`, `hrnn.cli`). May import `hrnn.train`,
`hrnn.nn`, `hrnn.data` and the base modules; never `hrnn.ui`, `hrnn.cli` or Streamlit. The names below are the
package's public API, for the packages above; the modules of `runs` import each other directly, never this one.
"""

from hrnn.atomic import atomic_save_model, atomic_write_bytes, atomic_write_json
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.listing import RunEntry, find_run, list_runs, queue_order, read_entry
from hrnn.runs.store.liveness import end_unresponsive, heartbeat_age, worker_alive, worker_state
from hrnn.runs.store.records import (
    HEARTBEAT_NAME,
    HEARTBEAT_STALE_SECONDS,
    INTERRUPTED,
    LAUNCH_GRACE_SECONDS,
    LAUNCH_NAME,
    LIVE_STATUSES,
    LOCK_NAME,
    LOG_NAME,
    MODEL_NAME,
    NOT_RESPONDING,
    PROGRESS_NAME,
    RECORD_NAME,
    SCHEMA,
    SETTINGS_NAME,
    STATUSES,
    STOP_NAME,
    STOPPED_BY_OWNER,
    STOPPED_BY_SERVER,
    SUMMARY_NAME,
    Heartbeat,
    RecordError,
    RunRecord,
    RunSettings,
    RunSummary,
    StopRequest,
    new_run_id,
    owner_digest,
)
from hrnn.train.history import BatchHistory, History, utc_now

__all__ = [
    "BatchHistory",
    "HEARTBEAT_NAME",
    "HEARTBEAT_STALE_SECONDS",
    "Heartbeat",
    "History",
    "INTERRUPTED",
    "LAUNCH_GRACE_SECONDS",
    "LAUNCH_NAME",
    "LIVE_STATUSES",
    "LOCK_NAME",
    "LOG_NAME",
    "MODEL_NAME",
    "NOT_RESPONDING",
    "PROGRESS_NAME",
    "RECORD_NAME",
    "RecordError",
    "RunEntry",
    "RunFolder",
    "RunRecord",
    "RunSettings",
    "RunSummary",
    "StopRequest",
    "SCHEMA",
    "SETTINGS_NAME",
    "STATUSES",
    "STOP_NAME",
    "STOPPED_BY_OWNER",
    "STOPPED_BY_SERVER",
    "SUMMARY_NAME",
    "atomic_save_model",
    "atomic_write_bytes",
    "atomic_write_json",
    "end_unresponsive",
    "find_run",
    "heartbeat_age",
    "list_runs",
    "new_run_id",
    "owner_digest",
    "queue_order",
    "read_entry",
    "utc_now",
    "worker_alive",
    "worker_state",
]
