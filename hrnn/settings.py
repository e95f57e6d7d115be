"""Every `HRNN_*` environment variable, read in this one place (standard library only).

Each is read when asked for, not at import, so a test or a served app can set it before a call. A variable set to
something unusable raises `ValueError` naming it; an unset or empty one gives its default.

| variable            | default                      | what it sets |
|---------------------|------------------------------|---------------------------------------------------------------|
| `HRNN_MNIST`        | unset                        | the MNIST file or folder to train on (see `hrnn.data.mnist`) |
| `HRNN_OFFLINE`      | unset                        | `1`: never try Keras's MNIST download |
| `HRNN_RUNS_DIR`     | `$XDG_DATA_HOME/hrnn/runs`   | the runs folder (else `~/.local/share/hrnn/runs`) |
| `HRNN_PRETRAINED`   | the shipped model            | another `.keras` file to use as "the shipped model" |
| `HRNN_MAX_RUNS`     | one per two cores, >= 1      | runs that train at once on one runs folder; the rest queue |
| `HRNN_MAX_EPOCHS`   | 20                           | the most epochs a run started from the app may have |
| `HRNN_MAX_UNITS`    | 256                          | the largest LSTM a run started from the app may have |
| `HRNN_RUNS_DISK_MB` | 1024                         | refuse new runs while the runs folder holds more than this |
| `HRNN_WORKER_NICE`  | 10                           | how much lower the workers' priority is (0 to 19) |
| `HRNN_NO_WARMUP`    | unset                        | `1`: the app starts no warm spare worker |
| `HRNN_LAUNCHER`     | `local`                      | `ray`: the app's runs are Ray tasks (`hrnn.runs.launch`) |
| `HRNN_RAY_ADDRESS`  | `auto`                       | the Ray cluster; `auto`: a running one, else a local one |
| `HRNN_MAX_RUNS_PER_SESSION` | 1                    | queued or training runs one browser session may hold at once |
"""

import os
from pathlib import Path

TRUE_WORDS = ("1", "true", "yes")


def _text(name):
    return os.environ.get(name, "").strip()


def _flag(name):
    return _text(name).lower() in TRUE_WORDS


def usable_cores():
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _positive_int(name, default):
    text = _text(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {text!r}")
    return value


def mnist_path():
    """`HRNN_MNIST`: the MNIST file or folder to read first, or None."""
    return _text("HRNN_MNIST") or None


def offline():
    """`HRNN_OFFLINE`: true when Keras's MNIST download must not be tried."""
    return _flag("HRNN_OFFLINE")


def runs_dir():
    """`HRNN_RUNS_DIR`, else `$XDG_DATA_HOME/hrnn/runs`, else `~/.local/share/hrnn/runs`."""
    if _text("HRNN_RUNS_DIR"):
        return Path(_text("HRNN_RUNS_DIR")).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hrnn" / "runs"


def pretrained_path():
    """`HRNN_PRETRAINED`: a model file that replaces the shipped one, or None for the shipped one."""
    return _text("HRNN_PRETRAINED") or None


def max_runs():
    """`HRNN_MAX_RUNS`: runs that train at once on one runs folder; by default one per two cores (a run trains
    fastest with two of its own), at least one."""
    return _positive_int("HRNN_MAX_RUNS", max(1, usable_cores() // 2))


def max_epochs():
    """`HRNN_MAX_EPOCHS`: the most epochs a run started from the app may have (default 20)."""
    return _positive_int("HRNN_MAX_EPOCHS", 20)


def max_units():
    """`HRNN_MAX_UNITS`: the largest LSTM (row or column units) a run started from the app may have (default 256)."""
    return _positive_int("HRNN_MAX_UNITS", 256)


def runs_disk_mb():
    """`HRNN_RUNS_DISK_MB`: the runs folder's size, in MB, above which new runs are refused (default 1,024)."""
    return _positive_int("HRNN_RUNS_DISK_MB", 1024)


def worker_nice():
    """`HRNN_WORKER_NICE`: how much lower than the app's the workers' priority is, 0 to 19 (default 10)."""
    text = _text("HRNN_WORKER_NICE")
    if not text:
        return 10
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 19:
        raise ValueError(f"HRNN_WORKER_NICE must be an integer from 0 to 19, got {text!r}")
    return value


def warm_spare():
    """False when `HRNN_NO_WARMUP` asks the app to start no warm spare worker."""
    return not _flag("HRNN_NO_WARMUP")


LAUNCHERS = ("local", "ray")


def launcher():
    """`HRNN_LAUNCHER`: "local" (the default: worker processes on this machine) or "ray" (Ray tasks)."""
    text = _text("HRNN_LAUNCHER").lower() or "local"
    if text not in LAUNCHERS:
        raise ValueError(f"HRNN_LAUNCHER must be one of {', '.join(LAUNCHERS)}, got {_text('HRNN_LAUNCHER')!r}")
    return text


def ray_address():
    """`HRNN_RAY_ADDRESS`: the Ray cluster the ray launcher joins (`host:port`, `ray://...`), or "auto" (the
    default): a Ray running on this machine, else a new local one in the app's process."""
    return _text("HRNN_RAY_ADDRESS") or "auto"


def max_runs_per_session():
    """`HRNN_MAX_RUNS_PER_SESSION`: how many queued or training runs one browser session may hold (default 1)."""
    return _positive_int("HRNN_MAX_RUNS_PER_SESSION", 1)
