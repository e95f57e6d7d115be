"""What the Inside page shows about an input, computed once per input and model and cached: the probe, the row
importance and the main rival (`reading`); the readers' memory and gates, when a view shows them (`read_memory`);
the state map of test digits (`state_map`, once per model); and, before anything is drawn or picked, a test digit
worth watching (`default_input`)."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from hrnn.analysis.importance import RowImportance, row_importance
from hrnn.analysis.narration import closest_call, main_rival
from hrnn.analysis.projection import build_state_map
from hrnn.nn.memory import LstmMemory, image_reader_memory, row_reader_memory
from hrnn.nn.probe import ProbeResult, final_image_states, predict_batch, probe, step_probs_batch
from hrnn.ui.common.resources import mnist_or_error
from hrnn.ui.common.session import test_image

MAP_DIGITS = 2000  # held-out test digits on the state map
SEARCHED_DIGITS = 300  # test digits searched for the default input (one batch: under a second)


@dataclass(frozen=True)
class Reading:
    """Everything the page shows about one input under one model, computed once."""

    result: ProbeResult  # the probe: states after each row, probabilities after each row
    importance: RowImportance  # the effect of blanking each row on the prediction
    rival: int  # the digit that came closest to beating the final prediction


@st.cache_resource(max_entries=32, show_spinner="Reading the input row by row...")
def read_input(model_key, image, _model):
    """The probe and the row importance of `image` (one probe and one batch of 29 images; cached per input)."""
    del model_key  # the cache key names the model (file and version); `_model` is not hashed
    result = probe(_model, image)
    importance = row_importance(lambda batch: predict_batch(_model, batch[..., None]), image, result.prediction)
    _, rival = main_rival(result.step_probs, image)
    return Reading(result, importance, rival)


@st.cache_resource(max_entries=6, show_spinner="Placing test digits on the state map (once per model)...")
def test_digits_map(model_key, _model):
    """The state map of the first `MAP_DIGITS` test digits, or None without data."""
    del model_key
    data, error = mnist_or_error()
    if error:
        return None
    n = min(MAP_DIGITS, len(data.y_test))
    images = data.x_test[:n].astype(np.float32)[..., None] / 255.0  # (n, 28, 28, 1) in [0, 1]
    return build_state_map(final_image_states(_model, images), data.y_test[:n])


@st.cache_resource(max_entries=6, show_spinner="Looking for a test digit worth watching...")
def _closest_call(model_key, _model):
    """The index of the test digit (of the first `SEARCHED_DIGITS`) that `closest_call` picks for this model."""
    del model_key
    data, _ = mnist_or_error()
    images = data.x_test[:SEARCHED_DIGITS].astype(np.float32) / 255.0
    return closest_call(step_probs_batch(_model, images), data.y_test[:SEARCHED_DIGITS], images)


def default_input(model_key, model):
    """Before anything is drawn or picked: the test digit this model reads right after the closest call (the
    reading is worth watching: the network changes its mind): `(image, description, true label)`, or
    `(None, "", None)` without data."""
    data, error = mnist_or_error()
    if error:
        return None, "", None
    index = _closest_call(model_key, model)
    return test_image(data, index)


@dataclass(frozen=True)
class Memory:
    """The two readers' memory and gates for one image (`hrnn.nn.memory.LstmMemory`s)."""

    image_reader: LstmMemory  # (1, 28 rows, image_units) each array
    row_reader: LstmMemory  # (28 rows, 28 pixels, row_units) each array: every row of the image, pixel by pixel


@st.cache_resource(max_entries=32, show_spinner="Computing the memory and the gates...")
def read_memory(model_key, image, _model):
    """The memory and gates of both readers for `image` (28 x 28 in [0, 1]), computed once per input and model."""
    del model_key
    image = np.asarray(image, np.float32).reshape(28, 28)
    return Memory(image_reader_memory(_model, image[None]), row_reader_memory(_model, image))
