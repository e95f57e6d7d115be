"""Scores kept across sessions: the shipped model's accuracy on the digits a run is tested on (the verdict's
reference, scored in the background while the run trains), and whole-test-set scores of the models people pick."""

import threading

import numpy as np
import streamlit as st

from hrnn.data.mnist import DataError, load_mnist
from hrnn.nn.model_files import ModelFileError
from hrnn.train.config import TrainConfig
from hrnn.ui.common.resources import load_choice, model_choices

REFERENCE_BATCH = 32


@st.cache_resource(max_entries=16, show_spinner="Scoring the shipped model on the same digits...")
def reference_accuracy(spec, test_limit, seed):
    """The shipped model's accuracy on the test digits that a live run with `test_limit` and `seed` is tested on,
    from the data `spec` names (`MnistData.spec`: loaded again by name, so a delayed call reads the run's data
    whatever the environment is by then). None if the shipped model or the data cannot be loaded."""
    from hrnn.data.splits import prepare_data
    from hrnn.nn.probe import predict_batch

    try:
        data = load_mnist(spec)
    except DataError:
        return None
    prepared = prepare_data(TrainConfig(validation="none", test_limit=test_limit, seed=seed), data)
    try:
        model = load_choice(model_choices()[0])
    except ModelFileError:
        return None
    # In small batches: TensorFlow's oneDNN allocator keeps the pool its largest batch needed for the server's life
    # (measured: 257 MB after batches of 256, 64 MB after batches of 32). This is background work, so speed matters
    # less than what the server still holds after a class has left.
    probs = predict_batch(model, prepared.x_test, batch_size=REFERENCE_BATCH)
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
    """`hrnn.analysis.scoring.Scores` of `model` (loaded from `choice`) on all of `data`'s test images.

    Computed once per model file and modification time (a run that saves again is scored again) and kept for every
    session; `on_progress(done, total)` is called while it is computed, never on a cached answer.
    """
    from hrnn.analysis.scoring import score_model

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
