"""The runs folder: one sub-folder per training run, holding `record.json` and `model.keras`.

Every write is atomic (a temporary file in the same folder, then `os.replace`), so a crash or a kill leaves
either the previous complete file or the new complete file, never half of one. The folder defaults to the
user's data directory (`$XDG_DATA_HOME/hrnn/runs`, else `~/.local/share/hrnn/runs`); `HRNN_RUNS_DIR`
overrides it.
"""

import json
import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

RECORD_NAME = "record.json"
MODEL_NAME = "model.keras"
STATUSES = ("running", "finished", "stopped", "failed")


def default_runs_dir():
    """The runs folder: `$HRNN_RUNS_DIR`, else `$XDG_DATA_HOME/hrnn/runs`, else `~/.local/share/hrnn/runs`."""
    if os.environ.get("HRNN_RUNS_DIR"):
        return Path(os.environ["HRNN_RUNS_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hrnn" / "runs"


def new_run_id():
    """A sortable, unique run id: UTC time to the second plus 4 random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


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


@dataclass(frozen=True)
class RunInfo:
    """One run as listed: its folder and its record (the parsed `record.json`)."""

    path: Path
    record: dict

    @property
    def run_id(self):
        return self.path.name

    @property
    def model_path(self):
        return self.path / MODEL_NAME

    @property
    def has_model(self):
        try:
            return self.model_path.is_file()
        except OSError:  # an unreadable run folder has no model to offer
            return False

    @property
    def status(self):
        status = self.record.get("status", "unknown")
        if status == "running" and not _process_alive(self.record.get("pid")):
            return "interrupted"  # the process that ran it is gone (app restart, kill)
        return status

    def label(self):
        """A one-line description for pickers: id, status, epochs, accuracy."""
        cfg = self.record.get("config", {})
        acc = self.record.get("test_accuracy")
        hist = self.record.get("history", {}).get("epochs", [])
        if acc is None and hist:
            acc = hist[-1].get("val_accuracy")
        acc_text = f", acc {acc:.4f}" if isinstance(acc, (int, float)) else ""
        return (
            f"{self.run_id} ({self.status}, {len(hist)}/{cfg.get('epochs', '?')} epochs, "
            f"{cfg.get('row_units', '?')}/{cfg.get('col_units', '?')} units{acc_text})"
        )


def _process_alive(pid):
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_runs(root=None):
    """All runs under `root` (default `default_runs_dir()`), newest first.

    Folders without a readable `record.json` are skipped with a warning, never raised: one damaged run must
    not hide the others.
    """
    root = Path(root) if root is not None else default_runs_dir()
    try:
        folders = sorted(root.iterdir(), reverse=True) if root.is_dir() else []
    except OSError as exc:  # an unreadable runs folder: no runs to show, not a crash
        log.warning("cannot list the runs folder %s (%s)", root, exc)
        return []
    runs = []
    for folder in folders:
        record_path = folder / RECORD_NAME
        try:
            if not record_path.is_file():
                continue
            record = json.loads(record_path.read_text())
        except (OSError, ValueError) as exc:
            log.warning("skipping run %s: unreadable %s (%s)", folder, RECORD_NAME, exc)
            continue
        if isinstance(record, dict):
            runs.append(RunInfo(folder, record))
    return runs
