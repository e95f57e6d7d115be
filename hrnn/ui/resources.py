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
from hrnn.data import DataError, load_mnist
from hrnn.model import PRETRAINED_PATH, ModelFileError, load_model
from hrnn.training import DEFAULT_POOL, TrainConfig, to_model_input

log = logging.getLogger(__name__)

PRETRAINED_CHOICE = "pretrained"
# Live runs validate on (and are finally tested on) stratified subsets, so the chart's epoch points come quickly.
LIVE_VAL_LIMIT, LIVE_TEST_LIMIT = 1000, 2000
QUICK_CONFIG = TrainConfig(epochs=3, train_size=3000, val_limit=LIVE_VAL_LIMIT, test_limit=LIVE_TEST_LIMIT)


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
def _cached_model(path, mtime):
    del mtime  # part of the cache key only: a rewritten file is loaded again
    return load_model(path)


@dataclass(frozen=True)
class ModelChoice:
    key: str  # "pretrained" or a run id
    label: str
    path: Path


def model_choices():
    """The shipped model first, then every saved run that has a model, newest first."""
    choices = [
        ModelChoice(
            PRETRAINED_CHOICE, "Shipped pretrained model", Path(os.environ.get("HRNN_PRETRAINED") or PRETRAINED_PATH)
        )
    ]
    for run in runs.list_runs(runs_dir()):
        if run.has_model:
            choices.append(ModelChoice(run.run_id, run.label(), run.model_path))
    return choices


def load_choice(choice):
    """The model for `choice`; raises ModelFileError with a readable message."""
    return load_choice_with_key(choice)[0]


def load_choice_with_key(choice):
    """`(model, key)` for `choice`: `key` names the file and its modification time, so results computed from the
    model can be cached under it and are computed again when the file is rewritten (a run saving a new epoch).

    Raises:
        ModelFileError: with a readable message.
    """
    path = choice.path
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    mtime = path.stat().st_mtime
    return _cached_model(str(path), mtime), f"{path}@{mtime}"


@st.cache_resource
def live_runs():
    """Training runs alive in this process, by run id (shared so a refreshed page can find its run again)."""
    return {}


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
            config = QUICK_CONFIG
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


def current_input():
    """This session's current input: `(image28, description)` or `(None, "")`."""
    entry = st.session_state.get("input")
    return (entry["image"], entry["origin"]) if entry else (None, "")


def set_current_input(image28, origin):
    st.session_state["input"] = {"image": np.asarray(image28, np.float32), "origin": origin}
