"""Every `HRNN_*` environment variable, read in this one place (standard library only).

Each is read when asked for, not at import, so a test or a served app can set it before a call. A variable set to
something unusable raises `ValueError` naming it; an unset or empty one gives its default. The app and the CLI check
every limit once, at start (`problems`, `check`): the CLI exits with the one line, the app shows it and trains
nothing until it is fixed.

| variable            | default                      | what it sets |
|---------------------|------------------------------|---------------------------------------------------------------|
| `HRNN_MNIST`        | unset                        | the MNIST file or folder to train on (see `hrnn.data.mnist`) |
| `HRNN_OFFLINE`      | unset                        | `1`: never try Keras's MNIST download |
| `HRNN_RUNS_DIR`     | `$XDG_DATA_HOME/hrnn/runs`   | the runs folder (else `~/.local/share/hrnn/runs`) |
| `HRNN_PRETRAINED`   | the shipped model            | another `.keras` file to use as "the shipped model" |
| `HRNN_MAX_RUNS`     | one per two cores, >= 1      | runs that train at once on a runs folder (<= 1,000); more queue |
| `HRNN_MAX_EPOCHS`   | 20                           | the most epochs a run started from the app may have (<= 1,000) |
| `HRNN_MAX_UNITS`    | 256                          | the largest LSTM a run started from the app may have (<= 4,096) |
| `HRNN_RUNS_DISK_MB` | 1024                         | refuse new runs while the runs folder holds more (<= 10**9) |
| `HRNN_WORKER_NICE`  | 10                           | how much lower the workers' priority is (0 to 19) |
| `HRNN_NO_WARMUP`    | unset                        | `1`: the app starts no warm spare worker |
| `HRNN_LAUNCHER`     | `local`                      | `ray`: the app's runs are Ray tasks (`hrnn.runs.launch`) |
| `HRNN_RAY_ADDRESS`  | `auto`                       | the Ray cluster; `auto`: a running one, else a local one |
| `HRNN_MAX_RUNS_PER_SESSION` | 1                    | queued or training runs one browser session may hold (<= 1,000) |
| `HRNN_KERNEL`       | `1`                          | `0`: training never builds nor uses the native LSTM op |
| `HRNN_KERNEL_CACHE` | `~/.cache/hrnn/kernels`      | where the native LSTM op is built and kept |
| `HRNN_KERNEL_BF16`  | `1`                          | `0`: the native op keeps float32 products on a CPU with AMX |
"""

import os
from pathlib import Path

from hrnn.bounds import Bounds, not_one_of, whole_number

TRUE_WORDS = ("1", "true", "yes")


def _text(name):
    return os.environ.get(name, "").strip()


def _flag(name):
    return _text(name).lower() in TRUE_WORDS


def usable_cores():
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# The most each limit may be. Epochs and units stop where a run's own settings do (`hrnn.train.limits.EPOCHS_MAX`
# and `UNITS_MAX`; a test keeps them equal): a higher limit would offer what Start refuses, and a number input
# cannot hold thirty digits. The counts stop far past any machine's.
MOST_EPOCHS = 1000
MOST_UNITS = 4096
MOST_RUNS = 1000
MOST_DISK_MB = 10**9  # a petabyte


def _whole_number(name, text, low, high):
    """`text` as an integer from `low` to `high` (`hrnn.bounds.whole_number`: ASCII digits only). Raises ValueError
    naming `name`, in one line."""
    value = whole_number(text, Bounds(low, high))
    if value is None:
        raise ValueError(f"{name} must be a whole number from {low} to {high:,}, got {text!r}")
    return value


def _positive_int(name, default, most):
    text = _text(name)
    return _whole_number(name, text, 1, most) if text else default


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
    return _positive_int("HRNN_MAX_RUNS", max(1, usable_cores() // 2), MOST_RUNS)


def max_epochs():
    """`HRNN_MAX_EPOCHS`: the most epochs a run started from the app may have (default 20)."""
    return _positive_int("HRNN_MAX_EPOCHS", 20, MOST_EPOCHS)


def max_units():
    """`HRNN_MAX_UNITS`: the most units either reader (row, image) of a run started in the app may have (default
    256)."""
    return _positive_int("HRNN_MAX_UNITS", 256, MOST_UNITS)


def runs_disk_mb():
    """`HRNN_RUNS_DISK_MB`: the runs folder's size, in MB, above which new runs are refused (default 1,024)."""
    return _positive_int("HRNN_RUNS_DISK_MB", 1024, MOST_DISK_MB)


def worker_nice():
    """`HRNN_WORKER_NICE`: how much lower than the app's the workers' priority is, 0 to 19 (default 10)."""
    text = _text("HRNN_WORKER_NICE")
    return _whole_number("HRNN_WORKER_NICE", text, 0, 19) if text else 10


def warm_spare():
    """False when `HRNN_NO_WARMUP` asks the app to start no warm spare worker."""
    return not _flag("HRNN_NO_WARMUP")


LAUNCHERS = ("local", "ray")


def launcher():
    """`HRNN_LAUNCHER`: "local" (the default: worker processes on this machine) or "ray" (Ray tasks)."""
    text = _text("HRNN_LAUNCHER").lower() or "local"
    if text not in LAUNCHERS:
        raise ValueError(not_one_of("HRNN_LAUNCHER", _text("HRNN_LAUNCHER"), LAUNCHERS))
    return text


def native_kernel():
    """False when `HRNN_KERNEL` is 0 (or false, no, off): training then uses the TensorFlow path only."""
    return _text("HRNN_KERNEL").lower() not in ("0", "false", "no", "off")


def kernel_bf16():
    """False when `HRNN_KERNEL_BF16` is 0 (or false, no, off): the native op then keeps its products in float32 even
    where the CPU has AMX."""
    return _text("HRNN_KERNEL_BF16").lower() not in ("0", "false", "no", "off")


def kernel_cache():
    """`HRNN_KERNEL_CACHE`, else `$XDG_CACHE_HOME/hrnn/kernels`, else `~/.cache/hrnn/kernels`: where the native
    LSTM op is compiled and kept."""
    if _text("HRNN_KERNEL_CACHE"):
        return Path(_text("HRNN_KERNEL_CACHE")).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hrnn" / "kernels"


def ray_address():
    """`HRNN_RAY_ADDRESS`: the Ray cluster the ray launcher joins (`host:port`, `ray://...`), or "auto" (the
    default): a Ray running on this machine, else a new local one in the app's process."""
    return _text("HRNN_RAY_ADDRESS") or "auto"


def max_runs_per_session():
    """`HRNN_MAX_RUNS_PER_SESSION`: how many queued or training runs one browser session may hold (default 1)."""
    return _positive_int("HRNN_MAX_RUNS_PER_SESSION", 1, MOST_RUNS)


def problems():
    """One line for each limit set to something unusable (`[]` when every one is usable), each naming its variable:
    what the app and the CLI check once, at start. `HRNN_LAUNCHER` is not one: a wrong one gives the local launcher,
    with a line saying why (`hrnn.runs.launch.choice.open_launcher`)."""
    found = []
    for read in (max_runs, max_epochs, max_units, runs_disk_mb, worker_nice, max_runs_per_session):
        try:
            read()
        except ValueError as exc:
            found.append(str(exc))
    return found


def check():
    """Raise ValueError, in one line, naming every limit set to something unusable (`problems`); else nothing."""
    found = problems()
    if found:
        raise ValueError("; ".join(found))
