"""Tripwires for every private name of another library that hrnn uses (`hrnn._compat`): each test fails the day the
name disappears or the patch stops doing what it is for."""

import inspect

import keras
import numpy as np
import tensorflow as tf
from streamlit.testing.v1 import AppTest

from hrnn import _compat
from hrnn.nn import layers
from hrnn.nn.builders import build_hrnn


def test_seeding_without_the_flush_keeps_tensorflows_kernel_cache(monkeypatch):
    """`tf.random.set_seed` empties TensorFlow's kernel cache; inside `kernel_cache_kept` it does not, and the
    private function is put back afterwards."""
    from tensorflow.python import pywrap_tfe

    assert callable(getattr(pywrap_tfe, "TFE_ContextClearCaches", None))
    tf.constant(0.0) + 1  # an eager context exists: only then does set_seed flush
    flushes = []
    monkeypatch.setattr(pywrap_tfe, "TFE_ContextClearCaches", flushes.append)
    tf.random.set_seed(0)
    assert len(flushes) == 1  # what the public call does
    with _compat.kernel_cache_kept():
        tf.random.set_seed(0)
    assert len(flushes) == 1  # and what the patch leaves out
    assert pywrap_tfe.TFE_ContextClearCaches == flushes.append  # put back as it was


class _Plain(keras.layers.Layer):
    def call(self, inputs):
        return inputs


def test_keras_layers_still_say_whether_call_takes_training():
    assert keras.layers.Dropout(0.5)._call_has_training_arg is True
    assert _Plain()._call_has_training_arg is False
    assert _compat.takes_training_arg(keras.layers.Dropout(0.5)) and not _compat.takes_training_arg(_Plain())


def test_keras_lstm_still_runs_its_steps_through_the_method_fused_lstm_overrides(monkeypatch):
    """FusedLSTM overrides `inner_loop`; if Keras stopped calling it, the fused path would silently never run."""
    name = _compat.KERAS_RNN_LOOP_METHOD
    assert name in vars(keras.layers.LSTM) and name in vars(layers.FusedLSTM)
    assert list(inspect.signature(getattr(keras.layers.LSTM, name)).parameters)[:4] == [
        "self",
        "sequences",
        "initial_state",
        "mask",
    ]
    calls = []
    real = layers.FusedLSTM.inner_loop

    def counted(self, *args, **kwargs):
        calls.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(layers.FusedLSTM, name, counted)
    model = build_hrnn(4, 4)
    model(np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32"))
    assert "column_encoder" in calls  # the image reader's steps went through the override


def _streamlits_own_clean_up():
    """Streamlit's `_clean_problem_modules` as Streamlit defines it, whether or not this process has replaced it (the
    test session replaces it, as app.py does: tests/conftest.py)."""
    from streamlit.runtime.scriptrunner import script_runner

    return _compat.streamlit_clean_up or script_runner._clean_problem_modules


def test_streamlit_still_has_the_clean_up_the_app_replaces():
    from streamlit.runtime.scriptrunner import script_runner

    assert callable(getattr(script_runner, "_clean_problem_modules", None))
    assert "_clean_problem_modules" in inspect.getsource(script_runner.ScriptRunner)
    assert "clear_session" in inspect.getsource(_streamlits_own_clean_up())  # what the patch is there to stop


def test_a_script_run_does_not_clear_the_keras_session(monkeypatch):
    """Streamlit's own clean-up clears the Keras session after every run; with the patch, nothing clears it (clearing
    made each prediction 50x slower)."""
    from streamlit.runtime.scriptrunner import script_runner

    cleared = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: cleared.append(1))
    monkeypatch.setattr(script_runner, "_clean_problem_modules", _streamlits_own_clean_up())
    plain = "import streamlit as st\nst.write('ran')"
    at = AppTest.from_string(plain, default_timeout=60).run()
    assert not at.exception and at.markdown[0].value == "ran"
    assert cleared, "Streamlit no longer clears the Keras session: the patch may no longer be needed"
    cleared.clear()
    script = "from hrnn._compat import keep_keras_state_across_reruns\nassert keep_keras_state_across_reruns()\n"
    at = AppTest.from_string(script + plain, default_timeout=60).run()
    at.run()
    assert not at.exception and at.markdown[0].value == "ran"
    assert cleared == []
