"""Objects shared by every session (loaded once, read-only) and per-session state.

Shared: the data, loaded models (keyed by file and modification time), the set of live training runs, and a
one-time background warm-up. Per session (`st.session_state`): the session's own run, the current input image.
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
from hrnn.config import DEMO, TrainConfig
from hrnn.data import DataError, load_mnist
from hrnn.model import PRETRAINED_PATH, ModelFileError, load_model
from hrnn.pool import DEFAULT_POOL
from hrnn.splits import to_model_input
from hrnn.training import TrainingRun

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
    """The shipped model first, then every saved run that has a model, newest first."""
    choices = [
        ModelChoice(
            PRETRAINED_CHOICE, "Shipped pretrained model", Path(os.environ.get("HRNN_PRETRAINED") or PRETRAINED_PATH)
        )
    ]
    for run in runs.list_runs(runs_dir()):
        if run.has_model:
            config = run.record.get("config")
            arch = config.get("arch", "hrnn") if isinstance(config, dict) else None
            label = run.label() if arch in ("hrnn", None) else f"{run.label()} - {arch}"
            choices.append(ModelChoice(run.run_id, label, run.model_path, arch if isinstance(arch, str) else None))
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


@st.cache_resource
def live_runs():
    """Training runs alive in this process, by run id (shared so a refreshed page can find its run again)."""
    return {}


_START_LOCK = threading.Lock()  # counting live runs and adding one is one step, whichever session clicks first


def start_run(config, data, max_runs):
    """Start `config` on `data` in the background, in the runs folder, unless `max_runs` runs are training already.

    Returns:
        The started `TrainingRun`, registered in `live_runs()`.

    Raises:
        ValueError: one line saying how many runs are training and which variable sets the limit.
    """
    with _START_LOCK:
        live = live_runs()
        training = sum(run.alive for run in live.values())
        if training >= max_runs:
            raise ValueError(
                f"{training} run(s) are training on this server, the most it runs at once (HRNN_MAX_RUNS={max_runs}); "
                "start this one when one of them has ended"
            )
        run = TrainingRun(config, data, runs_dir=runs_dir()).start()
        live[run.run_id] = run
    return run


def _close_matplotlib_figures():
    """Streamlit's after-run cleanup without its Keras part (see `keep_keras_state_across_reruns`)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def keep_keras_state_across_reruns():
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that to reset Keras 2's global graph. In Keras 3 it resets global Keras state and clears
    TensorFlow's kernel cache, every run, every fragment refresh: with a live chart refreshing each second it
    made background training 4x slower (quick demo: 212 s in the app against 49 s outside it), and it resets
    layer-name counters under a training thread. This app keeps models across reruns on purpose (shared
    read-only models, a pool of compiled training models), so it keeps the Keras state too.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = _close_matplotlib_figures


@st.cache_resource
def start_warm_up():
    """Trace the default training and evaluation graphs once in the background, so the first Start is fast."""

    def warm():
        try:
            data = mnist()
            config = DEMO
            model = DEFAULT_POOL.acquire(config)
            x = to_model_input(data.x_train[: config.batch_size * 2])
            model.fit(x, data.y_train[: config.batch_size * 2], batch_size=config.batch_size, epochs=1, verbose=0)
            model.evaluate(x, data.y_train[: len(x)], batch_size=256, verbose=0)
            DEFAULT_POOL.release(model, config)
        except Exception:  # a failed warm-up only costs speed, never the app
            log.exception("warm-up failed")

    if os.environ.get("HRNN_NO_WARMUP"):
        return None
    thread = threading.Thread(target=warm, name="hrnn-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(max_entries=16, show_spinner="Scoring the shipped model on the same digits...")
def reference_accuracy(source, test_limit, seed):
    """The shipped model's accuracy on the test digits a live run with `test_limit` and `seed` is tested on
    (`source` names the data, for the cache key). None if the shipped model cannot be loaded."""
    from hrnn.probe import predict_batch
    from hrnn.splits import prepare_data

    del source  # part of the cache key only
    prepared = prepare_data(TrainConfig(validation="none", test_limit=test_limit, seed=seed), mnist())
    try:
        model = load_choice(model_choices()[0])
    except ModelFileError:
        return None
    probs = predict_batch(model, prepared.x_test)
    return float(np.mean(np.argmax(probs, axis=1) == prepared.y_test))


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
