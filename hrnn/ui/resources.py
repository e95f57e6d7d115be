"""Objects shared by every session (loaded once, read-only) and per-session state.

Shared: the data, loaded models (keyed by file and modification time), the launcher that starts run workers (with
its warm spare worker), and one progress-log reader per watched run. The app process trains nothing: runs are
worker processes, and everything about them is read from their folders (`hrnn.runs`). Per session
(`st.session_state`): the current model and input.
"""

import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from hrnn import runs
from hrnn.config import TrainConfig
from hrnn.data import DataError, load_mnist
from hrnn.launcher import LocalLauncher, create_run
from hrnn.model import PRETRAINED_PATH, ModelFileError, load_model
from hrnn.progress import snapshot_from_record
from hrnn.progress_log import ProgressLogReader

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
    return runs.default_runs_dir()


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


def model_choices():
    """The shipped model first, then every readable run that has a model, newest first."""
    choices = [
        ModelChoice(
            PRETRAINED_CHOICE, "Shipped pretrained model", Path(os.environ.get("HRNN_PRETRAINED") or PRETRAINED_PATH)
        )
    ]
    for run in runs.list_runs(runs_dir()):
        if run.readable and run.has_model:
            choices.append(ModelChoice(run.run_id, run.label(), run.model_path, run.summary.arch))
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
def launcher(root, spare_data):
    """The launcher of this app's runs (`root`: the runs folder). With `spare_data` (a `load_mnist` source) it keeps a
    spare worker warm for that source, so that a Start shows its first batch in about a second."""
    return LocalLauncher(root, spare_data=spare_data)


def start_launcher():
    """Create the launcher at app start, so that its spare worker is warm before the first Start (no spare with
    `HRNN_NO_WARMUP` set, or without data)."""
    data, _ = mnist_or_error()
    spare = None if os.environ.get("HRNN_NO_WARMUP") or data is None else data.spec or None
    return launcher(str(runs_dir()), spare)


def start_run(config, data):
    """Make a run folder for `config` on `data` and start its worker; returns the run id. The run queues when
    `HRNN_MAX_RUNS` runs are training already."""
    folder = create_run(config, data.spec, runs_dir())
    start_launcher().start(folder)
    return folder.run_id


@st.cache_resource(max_entries=32, show_spinner=False)
def _progress_reader(path):
    return ProgressLogReader(path)


def run_snapshot(entry):
    """The `ProgressSnapshot` of the run `entry` (a `RunEntry`): from its progress log, read incrementally by one
    reader shared by every session, else (runs from before progress logs) from its record.

    Raises:
        RecordError: the run has no progress log and its record cannot be read.
    """
    if entry.folder.progress_path.is_file():
        return _progress_reader(str(entry.folder.progress_path)).snapshot()
    return snapshot_from_record(entry.read_record())


def _close_matplotlib_figures():
    """Streamlit's after-run cleanup without its Keras part (see `keep_keras_state_across_reruns`)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def keep_keras_state_across_reruns():
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that to reset Keras 2's global graph (`_clean_problem_modules` in its script runner, a private
    function: `tests/app/test_app.py` fails the day it is renamed). In Keras 3 it resets global Keras state and
    TensorFlow's caches after every run, every fragment refresh and every pen stroke: the next prediction then
    costs about 200 ms instead of 4 (`probe` on the shipped model, measured on the development machine), a large
    share of the half second a drawing may take to be read. The app keeps its models across reruns on purpose
    (shared, read-only, loaded once), so it keeps the Keras state too. Training is not affected either way: it
    runs in worker processes.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if not hasattr(script_runner, "_clean_problem_modules"):
        log.warning("Streamlit has no _clean_problem_modules any more: it may clear the Keras session after runs")
        return
    script_runner._clean_problem_modules = _close_matplotlib_figures


@st.cache_resource(max_entries=16, show_spinner="Scoring the shipped model on the same digits...")
def reference_accuracy(spec, test_limit, seed):
    """The shipped model's accuracy on the test digits that a live run with `test_limit` and `seed` is tested on,
    from the data `spec` names (`MnistData.spec`: loaded again by name, so a delayed call reads the run's data
    whatever the environment is by then). None if the shipped model or the data cannot be loaded."""
    from hrnn.probe import predict_batch
    from hrnn.splits import prepare_data

    try:
        data = load_mnist(spec)
    except DataError:
        return None
    prepared = prepare_data(TrainConfig(validation="none", test_limit=test_limit, seed=seed), data)
    try:
        model = load_choice(model_choices()[0])
    except ModelFileError:
        return None
    probs = predict_batch(model, prepared.x_test)
    return float(np.mean(np.argmax(probs, axis=1) == prepared.y_test))


REFERENCE_DELAY_SECONDS = 10.0  # after Start: the run's first batches have the CPU to themselves


def score_reference_soon(spec, test_limit, seed):
    """Compute `reference_accuracy(spec, test_limit, seed)` in a background thread `REFERENCE_DELAY_SECONDS` from
    now, so that a run's verdict does not wait seconds for it when the run ends (the page would show its old and new
    panels meanwhile). Not at once: scoring 2,000 digits in the app would slow the worker's first batch by a second."""
    timer = threading.Timer(REFERENCE_DELAY_SECONDS, reference_accuracy, args=(spec, test_limit, seed))
    timer.name, timer.daemon = "hrnn-reference", True
    timer.start()


SCORES_KEPT = 8  # test-set scores kept (each is 10,000 x 10 probabilities: 400 kB)
_SCORES_LOCK = threading.Lock()


@st.cache_resource
def _scores_cache():
    """Test-set scores by (model file, its modification time, data source), shared by every session."""
    return {}


def test_scores(choice, model, data, on_progress=None):
    """`hrnn.scoring.Scores` of `model` (loaded from `choice`) on all of `data`'s test images.

    Computed once per model file and modification time (a run that saves again is scored again) and kept for every
    session; `on_progress(done, total)` is called while it is computed, never on a cached answer.
    """
    from hrnn.scoring import score_model

    key = (str(choice.path), choice.path.stat().st_mtime, data.source)
    cache = _scores_cache()
    with _SCORES_LOCK:
        if key in cache:
            return cache[key]
    scores = score_model(model, data.x_test, data.y_test, on_progress=on_progress)
    with _SCORES_LOCK:
        cache[key] = scores
        while len(cache) > SCORES_KEPT:
            cache.pop(next(iter(cache)))  # the oldest
    return scores


CURRENT_MODEL = "current_model"  # session key: the model chosen on any page (a model choice key)


def current_model_key():
    """The key of this session's current model (a run id, or "pretrained")."""
    return st.session_state.get(CURRENT_MODEL, PRETRAINED_CHOICE)


def set_current_model(key):
    """Make `key` (a run id, or "pretrained") this session's model on every page."""
    st.session_state[CURRENT_MODEL] = key


def current_input():
    """This session's current input: `(image28, description)` or `(None, "")`."""
    entry = st.session_state.get("input")
    return (entry["image"], entry["origin"]) if entry else (None, "")


def set_current_input(image28, origin):
    st.session_state["input"] = {"image": np.asarray(image28, np.float32), "origin": origin}
