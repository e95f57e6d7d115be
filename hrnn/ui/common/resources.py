"""Objects shared by every session, loaded once and read-only: the data, loaded models (keyed by file and
modification time), the launcher that starts run workers (with its warm spare worker), one progress-log reader per
watched run. The app process trains nothing: runs are worker processes, read from their folders."""

import logging
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from hrnn import runs, settings
from hrnn.data.mnist import DataError, load_mnist
from hrnn.nn.model_files import ModelFileError, load_model, pretrained_file
from hrnn.runs import compare
from hrnn.runs.launch.choice import open_launcher
from hrnn.runs.launch.launcher import create_run
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.train.progress import snapshot_from_record
from hrnn.ui.common.run_names import run_label
from hrnn.words import trained_on

log = logging.getLogger(__name__)
PRETRAINED_CHOICE = "pretrained"


@st.cache_resource(show_spinner="Loading MNIST...")
def mnist():
    """The MNIST that `load_mnist("auto")` finds (see the README), loaded once per process."""
    return load_mnist("auto")


def mnist_or_error():
    """`(data, None)` or `(None, message)` when no source could be loaded."""
    try:
        return mnist(), None
    except DataError as exc:
        return None, str(exc)


def runs_dir():
    return settings.runs_dir()


@st.cache_resource(max_entries=6, show_spinner="Loading the model...")
def _cached_model(path, mtime, arch=None):
    del mtime  # part of the cache key only: a rewritten file is loaded again
    return load_model(path, arch=arch)


@dataclass(frozen=True)
class ModelChoice:
    key: str  # "pretrained" or a run id
    label: str
    path: Path
    arch: str | None = None  # the architecture its run record names (None: accept any known one)
    trained_on: str = ""  # in words (`hrnn.words.trained_on`), or "" when its record does not say
    uploaded: bool = False  # a file this session uploaded (`hrnn.ui.common.model_upload`), not one of this server's


def _shipped_trained_on(model_path):
    """What the shipped model was trained on, in words, from its small record beside it ("" if it cannot be read)."""
    try:
        record = compare.read_shipped_record(model_path)
    except ValueError:  # RecordError is one
        return ""
    return trained_on(record.data_kind, record.train_images)


def model_choices():
    """The shipped model first, then every readable run that has a model, newest first."""
    shipped = pretrained_file()
    choices = [ModelChoice(PRETRAINED_CHOICE, "Shipped pretrained model", shipped, None, _shipped_trained_on(shipped))]
    for run in runs.list_runs(runs_dir()):
        if run.readable and run.has_model:
            label, arch = run_label(run), run.summary.arch
            on = trained_on(run.summary.data_kind, run.summary.train_images)
            choices.append(ModelChoice(run.run_id, label, run.model_path, arch, on))
    return choices


def load_choice(choice):
    """The model for `choice`, checked by `load_model` to be of a known architecture (the one its run record
    names); raises ModelFileError with a one-line message naming the file."""
    return load_choice_with_key(choice)[0]


def load_choice_with_key(choice):
    """`(model, key)` for `choice`: `key` names the file and its modification time, so results computed from the
    model can be cached under it and are computed again when the file is rewritten (a run saving a new epoch).

    Raises:
        ModelFileError: a one-line message naming the file.
    """
    path = choice.path
    try:
        if not path.is_file():
            raise ModelFileError(f"{path}: model file not found")
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return _cached_model(str(path), mtime, choice.arch), f"{path}@{mtime}"


@st.cache_resource(show_spinner=False)
def launcher(root, spare_data, kind="local", address="auto"):
    """`(launcher, problem)`: the launcher of this app's runs (`root`: the runs folder), of `kind` ("local" or "ray",
    joining the Ray cluster at `address`), and None or the one line why Ray could not be had (then it is the local
    one: `hrnn.runs.launch.choice.open_launcher`). With `spare_data` (a `load_mnist` source) the local launcher keeps a
    spare worker ready for that source (TensorFlow imported, the data loaded, the demo's model built), so that a Start
    waits only for its graph to be traced (about 4 s on two cores) before its first batch."""
    return open_launcher(kind, root, spare_data=spare_data, address=address)


def _opened():
    """`(launcher, problem)` of this app (`launcher`), made at the first call; `(None, None)` while a limit is set
    wrongly (`settings.problems`: the Train page says which, and trains nothing)."""
    if settings.problems():
        return None, None
    data, _ = mnist_or_error()
    spare = None if not settings.warm_spare() or data is None else data.spec or None
    try:
        kind, problem = settings.launcher(), None
    except ValueError as exc:  # HRNN_LAUNCHER set wrongly: the local launcher, and the page says why
        kind, problem = "local", str(exc)
    opened, why_not = launcher(str(runs_dir()), spare, kind, settings.ray_address())
    return opened, problem or why_not


def start_launcher():
    """Create the launcher at app start, so that its spare worker is warm (or Ray joined) before the first Start (no
    spare with `HRNN_NO_WARMUP` set, or without data). None while a limit is set wrongly (`settings.problems`)."""
    return _opened()[0]


def launcher_problem():
    """None, or the one line why the launcher `HRNN_LAUNCHER` asks for could not be had (the app trains on this
    machine instead)."""
    return _opened()[1]


def run_capacity():
    """How many runs train at once: the runs folder's slots (`HRNN_MAX_RUNS`), or what the Ray cluster's CPUs hold."""
    return start_launcher().capacity()


def start_run(config, data, owner):
    """Make a run folder for `config` on `data`, stoppable from the app by the browser whose key is `owner`
    (`hrnn.ui.common.ownership`), and start its worker; returns the run id. The run queues when `run_capacity()` runs
    are training already. Raises LaunchError when Ray does not take it (its record says so)."""
    folder = create_run(config, data.spec, runs_dir(), owner=owner)
    start_launcher().start(folder)
    return folder.run_id


@st.cache_resource(max_entries=32, show_spinner=False)
def _progress_reader(path):
    return ProgressLogReader(path)


def run_snapshot(entry):
    """The `ProgressSnapshot` of the run `entry` (a `RunEntry`): from its progress log, read incrementally by one
    reader shared by every session, else (runs from before progress logs) from its record.

    Raises:
        RecordError: the run has no progress log (or its folder cannot be read) and its record cannot be read.
    """
    if entry.folder.has_progress_log:
        return _progress_reader(str(entry.folder.progress_path)).snapshot()
    return snapshot_from_record(entry.read_record())


def run_progress_problem(entry):
    """None, or a RecordError naming what in the progress log of `entry` could not be read (its first skipped
    line, or the log itself): `run_snapshot` shows the rest."""
    if not entry.folder.has_progress_log:
        return None
    return _progress_reader(str(entry.folder.progress_path)).problem
