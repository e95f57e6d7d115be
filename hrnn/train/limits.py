"""How large a run may be: fixed bounds on the settings, limits for a served app, and a memory estimate.

Fixed bounds (the `TrainConfig` fields' bounds hold them, `TrainConfig.check` applies them; they do not depend on
the machine):

* `EPOCHS_MAX` 1,000: far past where MNIST stops improving (the original example trains 5 epochs);
* `UNITS_MAX` 4,096 per LSTM: 32 times the original's 128, already days per epoch on a CPU;
* `BATCH_MAX` 60,000: MNIST's whole training set in one step;
* `SEED_MAX` 2**32 - 1: the largest seed NumPy's and Keras's generators take;
A run must also fit the memory this machine has free at its sizes (`training_bytes`): `check_fits_machine`,
asked where a run starts (the CLI, the Train page's Start, `train()`), since its answer changes with the load.

Limits for an app served to others, read by `hrnn.settings` from environment variables (a value that is not a
positive integer is refused with a message naming the variable) and applied by `check_app_config`:

* `HRNN_MAX_RUNS` (default: one per two cores, at least 1): runs that train at once on a runs folder, the app's and
  the CLI's together; more wait in its queue (`hrnn.runs.launch.slots`);
* `HRNN_MAX_EPOCHS` (default 20) and `HRNN_MAX_UNITS` (default 256): the largest run the app's Train page starts;
* `HRNN_RUNS_DISK_MB` (default 1,024): when the runs folder holds more than this, new runs are refused, in the app
  and in `python -m hrnn train` when it writes into the runs folder.
"""

import logging
import os
from pathlib import Path

from hrnn import settings
from hrnn.atomic import is_temporary
from hrnn.bounds import Bounds, whole_number

log = logging.getLogger(__name__)

EPOCHS_MAX = 1000
UNITS_MAX = 4096
BATCH_MAX = 60_000
SEED_MAX = 2**32 - 1


# The memory estimate. A float32 is 4 bytes. Per image, the row reader runs 28 rows x 28 pixel steps and the image
# reader 28 steps. Training keeps, per unit and step, the input projection and the four gates (8 floats: the fused
# LSTM's pre- and post-activation gates), the cell state, its tanh and the hidden state (3), and the backward pass
# holds about as many again for the gate gradients (5): 16 floats. Evaluation (batches of 256) keeps only the
# input projection and the state (6). Weights exist about six times over: the model, its gradients, two optimizer
# slots, the fresh copy `ModelPool.acquire` draws, and the copy being saved.
FLOAT_BYTES = 4
TRAIN_FLOATS_PER_UNIT_STEP = 16
EVAL_FLOATS_PER_UNIT_STEP = 6
EVAL_BATCH = 256
WEIGHT_COPIES = 6


def check_app_config(config):
    """Refuse a run the app should not start for a visitor: more epochs or units than the environment allows.

    Raises:
        ValueError: naming the setting, its value, the limit and the variable that sets it.
    """
    for name, limit, variable in (
        ("epochs", settings.max_epochs(), "HRNN_MAX_EPOCHS"),
        ("row_units", settings.max_units(), "HRNN_MAX_UNITS"),
        ("image_units", settings.max_units(), "HRNN_MAX_UNITS"),
    ):
        value = getattr(config, name)
        if value > limit:
            raise ValueError(f"{name.replace('_', '-')} {value:,} is over this server's limit, {limit:,} ({variable})")


def folder_bytes(folder):
    """Total size in bytes of the files under `folder` (0 if it does not exist; unreadable parts are skipped), less
    the temporary files of atomic writes (`hrnn.atomic.is_temporary`): a write in progress, or one a killed worker
    left for the listing to remove (`hrnn.runs.store.folder.RunFolder.remove_temporary_files`)."""
    total = 0
    for root, _dirs, files in os.walk(folder, onerror=lambda exc: log.debug("not counted: %s", exc)):
        for name in files:
            if is_temporary(name):
                continue
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass  # removed while we counted, or unreadable: not ours to report
    return total


def check_runs_disk(folder, limit_mb=None):
    """Refuse a new run when the runs folder `folder` holds more than `limit_mb` MB (`HRNN_RUNS_DISK_MB` if None).

    Raises:
        ValueError: naming the folder, its size and the cap.
    """
    limit_mb = settings.runs_disk_mb() if limit_mb is None else limit_mb
    size = folder_bytes(folder)
    if size > limit_mb * 1_000_000:
        raise ValueError(
            f"the runs folder holds {size / 1e6:,.1f} MB, over its {limit_mb:,} MB cap (HRNN_RUNS_DISK_MB): "
            f"delete old runs in {folder} or raise the cap"
        )


def parameter_count(row_units, image_units, num_classes=10):
    """Trainable weights of an HRNN: two LSTMs (4 gates each, one pixel per row step) and the classifier."""
    row = 4 * row_units * (1 + row_units + 1)  # kernel (1 pixel), recurrent kernel, bias
    col = 4 * image_units * (row_units + image_units + 1)
    return row + col + (image_units + 1) * num_classes


def training_bytes(row_units, image_units, batch_size):
    """A generous estimate, in bytes, of the memory a run with these sizes needs for its model and activations
    (the larger of a training step and an evaluation batch, plus the weights); the data comes on top.

    About 0.64 GB at the original example's sizes (128 and 128 units, batch 32; the evaluation batch dominates there).
    """
    unit_steps = 28 * (28 * row_units + image_units)  # per image: row reader 28 rows x 28 steps, image reader 28
    train = TRAIN_FLOATS_PER_UNIT_STEP * batch_size * unit_steps
    evaluate = EVAL_FLOATS_PER_UNIT_STEP * EVAL_BATCH * unit_steps
    weights = WEIGHT_COPIES * parameter_count(row_units, image_units)
    return FLOAT_BYTES * (max(train, evaluate) + weights)


def available_memory_bytes():
    """Memory this process could still use, in bytes: the least of the kernel's `MemAvailable`, the room left
    under a cgroup (container) limit, and the free physical pages; None if none of them can be read."""
    candidates = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                candidates.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = whole_number(Path("/sys/fs/cgroup/memory.max").read_text(), Bounds(0))  # None for "max": no limit
        if limit is not None:
            candidates.append(limit - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    if not candidates:
        try:
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, OSError, ValueError):
            pass
    return max(min(candidates), 0) if candidates else None


def format_bytes(count):
    """`count` bytes as a short human-readable size: '512 MB', '3.2 GB', '160.6 TB'."""
    for unit, size in (("EB", 1e18), ("PB", 1e15), ("TB", 1e12), ("GB", 1e9)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count / 1e6:,.0f} MB"


def check_memory(row_units, image_units, batch_size):
    """Refuse sizes whose run would not fit in the memory this machine has free (see `training_bytes`).

    Raises:
        ValueError: with the estimate, what is available, and the settings that set it.
    """
    needed = training_bytes(row_units, image_units, batch_size)
    available = available_memory_bytes()
    if available is not None and needed > available:
        raise ValueError(
            f"row-units {row_units:,}, image-units {image_units:,} and batch-size {batch_size:,} would need about "
            f"{format_bytes(needed)} of memory to train; this machine has {format_bytes(available)} free. "
            "Choose smaller sizes"
        )


def check_fits_machine(config):
    """Return `config` (a checked `TrainConfig`) if training it fits this machine's free memory now; raise
    ValueError saying how much it would need and how much is free otherwise. Unlike `TrainConfig.check`, the answer
    depends on the machine's load at the moment it is asked."""
    check_memory(config.row_units, config.image_units, config.batch_size)
    return config
