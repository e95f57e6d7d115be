"""The native LSTM ops compute what the readers' TensorFlow paths compute (outputs and every gradient): the row
reader's (`lstm_last_state_shared_prefix`) and the image reader's (`lstm_sequence`); training runs them where they could
be built, and every way the build can fail leaves the TensorFlow path, in one log line."""

import logging
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf

from hrnn.data.offline import SAMPLE_PATH
from hrnn.nn import recurrence
from hrnn.nn.model_files import load_pretrained
from hrnn.nn.native import build
from hrnn.nn.native import op as native_op
from hrnn.train.config import TrainConfig
from hrnn.train.loop import lstm_kernel, train
from tests.support.data import REPO

# One worker runs this file: it alone builds the op (about a minute), and the other worker never waits on the build.
pytestmark = pytest.mark.xdist_group("native_op")

TOLERANCE = dict(rtol=1e-4, atol=1e-5)  # as the fused layers' equivalence tests (tests/nn/test_layers.py)


def _close(a, b):
    scale = max(1.0, float(np.abs(a).max()))
    np.testing.assert_allclose(a, b, rtol=TOLERANCE["rtol"], atol=TOLERANCE["atol"] * scale)


def _weights(rng, features, units, dtype=np.float32, scale=0.5):
    shapes = [(features, 4 * units), (units, 4 * units), (4 * units,)]
    return [rng.normal(scale=scale, size=s).astype(dtype) for s in shapes]


def _outputs_and_gradients(function, x, weights, upstream):
    """The last states and the gradients of `sum(h * upstream)` w.r.t. inputs, kernel, recurrent kernel, bias."""
    tensors = [tf.constant(v) for v in (x, *weights)]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        h = function(*tensors)
        loss = tf.reduce_sum(h * upstream)
    return [h.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)]


def _assert_native_equals_tensorflow(library, x, weights, seed=0):
    upstream = np.random.default_rng(seed).normal(size=(x.shape[0], weights[1].shape[0])).astype(x.dtype)
    native = _outputs_and_gradients(lambda *a: native_op.lstm_last_state_native(library, *a), x, weights, upstream)
    reference = _outputs_and_gradients(recurrence._lstm_last_shared, x, weights, upstream)
    for name, a, b in zip(("h", "d_inputs", "d_kernel", "d_recurrent", "d_bias"), native, reference):
        assert a.shape == b.shape, name
        _close(a, b)
    started = np.cumsum(np.abs(x).sum(axis=2) > 0, axis=1) > 0  # at or after each row's first non-zero step
    assert not native[1][~started].any()  # the input's gradient is zero on the shared zero prefix
    return native


def _mnist_rows(images):
    """Rows of the shipped MNIST sample as the row reader gets them: `(images * 28, 28, 1)`, pixels in [0, 1]."""
    with np.load(SAMPLE_PATH) as data:
        x = data["x_train"][:images].astype(np.float32) / 255.0
    return x.reshape(-1, 28, 1)


@pytest.mark.parametrize("images", [1, 3, 32])
def test_native_op_equals_tensorflow_path_on_mnist_rows(native_library, images):
    library, _ = native_library
    x = _mnist_rows(images)
    blank = (x == 0).all(axis=(1, 2))
    assert blank.any() and not blank.all()  # blank rows, and rows with leading blanks
    _assert_native_equals_tensorflow(library, x, _weights(np.random.default_rng(images), 1, 32, scale=0.3))


@pytest.mark.parametrize("n, steps, features, units", [(1, 5, 1, 3), (9, 7, 1, 4), (40, 12, 3, 16)])
def test_native_op_equals_tensorflow_path_on_random_rows(native_library, n, steps, features, units):
    library, _ = native_library
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, steps, features)).astype(np.float32)
    for r, lead in enumerate(rng.integers(0, steps + 1, size=n)):  # zero prefixes of every length, blank rows
        x[r, :lead] = 0.0
    _assert_native_equals_tensorflow(library, x, _weights(rng, features, units))


def test_native_op_on_an_all_blank_batch_gives_the_shared_zero_input_state(native_library):
    library, _ = native_library
    x = np.zeros((6, 28, 1), np.float32)
    h, d_inputs, *_ = _assert_native_equals_tensorflow(library, x, _weights(np.random.default_rng(1), 1, 8))
    assert np.ptp(h, axis=0).max() == 0.0 and not d_inputs.any()


def test_native_gradient_matches_numerical_estimate(native_library):
    library, _ = native_library
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 5, 2))
    x[0, :2], x[1] = 0.0, 0.0  # a zero prefix and a blank row
    x = tf.constant(x, tf.float64)
    kernel, recurrent, bias = [tf.constant(w) for w in _weights(rng, 2, 3, np.float64)]

    def loss(x, kernel, recurrent, bias):
        return tf.reduce_sum(native_op.lstm_last_state_native(library, x, kernel, recurrent, bias) ** 2)

    theoretical, numerical = tf.test.compute_gradient(loss, [x, kernel, recurrent, bias])
    started = (np.cumsum(np.abs(x.numpy()).sum(axis=2) > 0, axis=1) > 0).repeat(2)  # x's entries, flattened
    np.testing.assert_allclose(theoretical[0][0, started], numerical[0][0, started], rtol=1e-5, atol=1e-7)
    for t, n in zip(theoretical[1:], numerical[1:]):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-7)


def _sequence_outputs_and_gradients(function, values, upstream_h, upstream_c):
    """h_seq, c_last, and the gradients of `sum(h_seq * upstream_h) + sum(c_last * upstream_c)` w.r.t. inputs, h0,
    c0, kernel, recurrent kernel and bias."""
    tensors = [tf.constant(v) for v in values]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        h_seq, c_last = function(*tensors)
        loss = tf.reduce_sum(h_seq * upstream_h) + tf.reduce_sum(c_last * upstream_c)
    return [h_seq.numpy(), c_last.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)]


def _sequence_values(rng, batch, steps, features, units, dtype=np.float32, scale=0.5):
    shapes = [(batch, steps, features), (batch, units), (batch, units)]
    return [rng.normal(size=s).astype(dtype) for s in shapes] + _weights(rng, features, units, dtype, scale)


@pytest.mark.parametrize(
    "batch, steps, features, units, dtype",
    [(1, 1, 3, 2, np.float32), (5, 7, 4, 3, np.float32), (17, 9, 5, 8, np.float32), (32, 28, 16, 32, np.float32)]
    + [(6, 5, 3, 4, np.float64)],
)
def test_native_sequence_op_equals_tensorflow_path(native_library, batch, steps, features, units, dtype):
    library, _ = native_library
    rng = np.random.default_rng(batch)
    values = _sequence_values(rng, batch, steps, features, units, dtype)
    upstream = [rng.normal(size=s).astype(dtype) for s in ((batch, steps, units), (batch, units))]
    native = _sequence_outputs_and_gradients(lambda *a: native_op.lstm_sequence_native(library, *a), values, *upstream)
    reference = _sequence_outputs_and_gradients(recurrence._lstm_sequence, values, *upstream)
    names = ("h_seq", "c_last", "d_inputs", "d_h0", "d_c0", "d_kernel", "d_recurrent", "d_bias")
    for name, a, b in zip(names, native, reference):
        assert a.shape == b.shape, name
        _close(a, b)


def test_native_sequence_op_on_the_image_readers_inputs(native_library):
    """The image reader's shape (32 images, 28 rows of 128 row vectors), from a zero state, with the last state only
    asked for, as the model trains it (no gradient reaches c_last)."""
    library, _ = native_library
    rng = np.random.default_rng(4)
    values = _sequence_values(rng, 32, 28, 128, 128, scale=0.1)
    values[0], values[1], values[2] = np.tanh(values[0]), np.zeros_like(values[1]), np.zeros_like(values[2])
    tensors = [tf.constant(v) for v in values]
    results = []
    for function in (lambda *a: native_op.lstm_sequence_native(library, *a), recurrence._lstm_sequence):
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            h_seq, _ = function(*tensors)
            loss = tf.reduce_sum(h_seq[:, -1] ** 2)
        results.append([h_seq.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)])
    for a, b in zip(*results):
        _close(a, b)


def test_native_sequence_gradient_matches_numerical_estimate(native_library):
    library, _ = native_library
    values = [tf.constant(v) for v in _sequence_values(np.random.default_rng(5), 3, 4, 2, 3, np.float64)]

    def loss(*tensors):
        h_seq, c_last = native_op.lstm_sequence_native(library, *tensors)
        return tf.reduce_sum(h_seq**2) + tf.reduce_sum(c_last)

    theoretical, numerical = tf.test.compute_gradient(loss, values)
    for t, n in zip(theoretical, numerical):  # central differences: their own error is about 1e-5 of a value here
        np.testing.assert_allclose(t, n, rtol=1e-4, atol=1e-6)


def test_native_sequence_op_refuses_inputs_of_the_wrong_shape(native_library):
    library, _ = native_library
    x, h0, c0, kernel, recurrent, bias = _sequence_values(np.random.default_rng(6), 4, 3, 2, 5)
    wrong = {
        "initial hidden state must be (batch, units)": (x, h0[:3], c0, kernel, recurrent, bias),
        "initial cell state must be (batch, units)": (x, h0, c0.T, kernel, recurrent, bias),
        "kernel must be (features, 4 units)": (x[:, :, :1], h0, c0, kernel, recurrent, bias),
        "recurrent kernel must be (units, 4 units)": (x, h0, c0, kernel, recurrent[:, :-1], bias),
        "a sequence needs at least one step": (x[:, :0], h0, c0, kernel, recurrent, bias),
    }
    for message, values in wrong.items():
        with pytest.raises((tf.errors.InvalidArgumentError, ValueError), match=re.escape(message)):
            library.hrnn_lstm_sequence(*values)
    h_seq, c_last, *saved = library.hrnn_lstm_sequence(x, h0, c0, kernel, recurrent, bias)
    with pytest.raises(tf.errors.InvalidArgumentError, match="saved states disagree"):
        library.hrnn_lstm_sequence_grad(h_seq, c_last, x, kernel, recurrent, saved[0][:-1], *saved[1:])


def _relative_error(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


@pytest.fixture
def amx_library(native_library):
    """The session's library where it takes bfloat16 products on AMX (this CPU has AMX and Linux grants the tiles)."""
    library, _ = native_library
    if not bool(library.hrnn_amx_ready()):
        pytest.skip("no AMX here (or Linux refused the tiles): the op's products stay float32")
    return library


def test_bfloat16_products_on_amx_stay_close_to_the_tensorflow_path(amx_library, monkeypatch):
    """The shipped row reader (128 units, trained weights) on 32 MNIST images: with `bf16` the op's results move off
    float32's (so bfloat16 products ran), and stay within 1% (relative 2-norm) of the TensorFlow path's, outputs and
    every gradient (measured: 1-3e-3; float32's 1-5e-7). Random weights as large as the other tests' make the
    28 steps chaotic enough to amplify bfloat16's rounding past that, so trained weights are used here."""
    cell = load_pretrained().get_layer("row_encoder").layer.cell
    weights = [np.asarray(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias)]
    x = _mnist_rows(32)
    upstream = np.random.default_rng(8).normal(size=(x.shape[0], weights[1].shape[0])).astype(np.float32)
    results = {}
    for bf16 in (False, True):
        monkeypatch.setitem(native_op._use, "bf16", bf16)
        function = lambda *a: native_op.lstm_last_state_native(amx_library, *a)  # noqa: E731
        results[bf16] = _outputs_and_gradients(function, x, weights, upstream)
    reference = _outputs_and_gradients(recurrence._lstm_last_shared, x, weights, upstream)
    names = ("h", "d_inputs", "d_kernel", "d_recurrent", "d_bias")
    for name, f32, b16, ref in zip(names, results[False], results[True], reference):
        assert _relative_error(f32, ref) < 1e-5, name
        assert _relative_error(b16, ref) < 1e-2, name
    assert np.abs(results[True][0] - results[False][0]).max() > 1e-5  # the bfloat16 products ran


def test_training_on_amx_records_bfloat16_products_unless_turned_off(amx_library, tiny_data, monkeypatch):
    monkeypatch.setenv("HRNN_KERNEL", "1")
    config = replace(TINY, row_units=32)
    assert train(config, tiny_data).record.kernel == "native-bf16"
    assert train(TINY, tiny_data).record.kernel == "native"  # 8 units: its products stay float32
    monkeypatch.setenv("HRNN_KERNEL_BF16", "0")
    assert train(config, tiny_data).record.kernel == "native"


@pytest.fixture
def native_calls(monkeypatch):
    """Counts the readers' calls into the native ops (at trace time: one per traced graph), by op."""
    calls = {"row": [], "sequence": []}
    wrapped = native_op.lstm_last_state_native, native_op.lstm_sequence_native

    def row_spy(library, inputs, *weights):
        calls["row"].append(int(inputs.shape[0]) if inputs.shape[0] is not None else None)
        return wrapped[0](library, inputs, *weights)

    def sequence_spy(library, inputs, *rest):
        calls["sequence"].append(inputs.shape[1])
        return wrapped[1](library, inputs, *rest)

    monkeypatch.setattr(native_op, "lstm_last_state_native", row_spy)
    monkeypatch.setattr(native_op, "lstm_sequence_native", sequence_spy)
    return calls


TINY = TrainConfig(epochs=1, batch_size=16, row_units=8, image_units=8, validation="none", test_limit=0)


def test_training_runs_the_native_op_and_records_it(native_library, native_calls, tiny_data, monkeypatch):
    monkeypatch.setenv("HRNN_KERNEL", "1")
    record = train(TINY, tiny_data).record
    assert record.status == "finished"
    assert native_calls["row"], "training never called the row reader's native op"
    assert native_calls["sequence"] and set(native_calls["sequence"]) == {28}, "nor the image reader's"
    assert record.kernel == "native"


def test_with_hrnn_kernel_0_training_uses_the_tensorflow_path(
    native_library, native_calls, tiny_data, caplog, monkeypatch
):
    monkeypatch.setitem(native_op._use, "off_said", False)  # as in a new process; HRNN_KERNEL=0: tests/conftest.py
    with caplog.at_level(logging.INFO, logger="hrnn"):
        record = train(TINY, tiny_data).record
        train(TINY, tiny_data)
    assert record.kernel == "tensorflow" and not any(native_calls.values())
    lines = [r for r in caplog.records if "native LSTM op" in r.getMessage()]
    assert len(lines) == 1 and "HRNN_KERNEL=0" in lines[0].getMessage()


def test_which_runs_use_the_native_ops():
    """The CNN has no LSTM; an HRNN and the flat LSTM train their LSTMs on a path (here HRNN_KERNEL=0's)."""
    assert lstm_kernel(TrainConfig(arch="cnn")) is None
    assert lstm_kernel(TrainConfig(arch="flat-lstm")) == lstm_kernel(TrainConfig()) == "tensorflow"


def test_with_a_gpu_nothing_is_built_and_keras_layers_train(fresh_build_state, monkeypatch, caplog):
    monkeypatch.setitem(native_op._use, "off_said", False)
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else [])
    monkeypatch.setattr(build, "load_library", lambda build: pytest.fail("the op was built beside a GPU"))
    with caplog.at_level(logging.INFO, logger="hrnn"):
        assert native_op.prepare_for_training() == "tensorflow"
    assert native_op.active_library() is None
    assert any("a GPU" in r.getMessage() for r in caplog.records)


def test_the_tensorflow_path_for_a_while(native_library, monkeypatch):
    """`tensorflow_path()`: what the app's process runs (bench's probe timing), then the op again."""
    library, _ = native_library
    monkeypatch.setitem(native_op._use, "library", library)
    with native_op.tensorflow_path():
        assert native_op.active_library() is None
    assert native_op.active_library() is library


@pytest.fixture
def fresh_build_state(monkeypatch, tmp_path):
    """A process that has not tried to build or load the op yet, with an empty cache folder."""
    monkeypatch.setitem(build._state, "library", None)
    monkeypatch.setitem(build._state, "failure", None)
    monkeypatch.setenv("HRNN_KERNEL_CACHE", str(tmp_path / "kernels"))
    monkeypatch.setenv("HRNN_KERNEL", "1")


def _native_warnings(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING and "native LSTM op" in r.getMessage()]


def test_without_a_compiler_training_uses_the_tensorflow_path_with_one_line(
    fresh_build_state, monkeypatch, caplog, native_calls, tiny_data
):
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    rows = _mnist_rows(2)
    weights = _weights(np.random.default_rng(3), 1, 8)
    reference = recurrence._lstm_last_shared(tf.constant(rows), *[tf.constant(w) for w in weights]).numpy()
    with caplog.at_level(logging.WARNING, logger="hrnn"):
        assert native_op.prepare_for_training() == "tensorflow"
        assert native_op.prepare_for_training() == "tensorflow"  # remembered: no second try, no second line
        record = train(TINY, tiny_data).record
    assert record.kernel == "tensorflow" and not any(native_calls.values())
    (line,) = _native_warnings(caplog)
    assert "no C++ compiler" in line.getMessage() and "TensorFlow path" in line.getMessage()
    same = recurrence.lstm_last_state_shared_prefix(rows, *weights).numpy()
    np.testing.assert_array_equal(same, reference)
    assert not (build.settings.kernel_cache()).exists() or not list(build.settings.kernel_cache().rglob("*.so"))


def test_a_failed_build_falls_back_with_one_line(fresh_build_state, monkeypatch, caplog, tmp_path):
    compiler = tmp_path / "broken-cxx"
    compiler.write_text("#!/bin/sh\necho 'lstm_op.cc:1: error: this compiler is broken' >&2\nexit 1\n")
    compiler.chmod(0o755)
    monkeypatch.setenv("CXX", str(compiler))
    with caplog.at_level(logging.WARNING, logger="hrnn"):
        assert build.load_library(build=True) is None
        assert build.load_library(build=True) is None
    (line,) = _native_warnings(caplog)
    assert "this compiler is broken" in line.getMessage()
    assert not list(build.library_path().parent.glob("*.tmp"))  # no half-built file left behind


def test_a_broken_cached_library_is_not_loaded_where_nothing_may_build(fresh_build_state, caplog):
    target = build.library_path()
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not a shared library")
    with caplog.at_level(logging.WARNING, logger="hrnn"):
        assert build.load_library(build=False) is None
    (line,) = _native_warnings(caplog)
    assert "does not load" in line.getMessage()


def test_a_broken_cached_library_is_rebuilt(native_library, tmp_path):
    """In a fresh process (a process loads one copy of the op): the broken file is rebuilt, by a stand-in compiler
    that copies the session's library, and loaded."""
    _, built = native_library
    compiler = tmp_path / "copying-cxx"
    compiler.write_text(f'#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\ncp "{built}" "$2"\n')
    compiler.chmod(0o755)
    script = (
        "from hrnn.nn.native import build\n"
        "target = build.library_path()\n"
        "target.parent.mkdir(parents=True)\n"
        "target.write_bytes(b'not a shared library')\n"
        "library = build.load_library(build=True)\n"
        "print('loaded' if library is not None else build.failure(), target.stat().st_size)\n"
    )
    env = {"CXX": str(compiler), "HRNN_KERNEL_CACHE": str(tmp_path / "kernels"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env={**_base_env(), **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    state, size = done.stdout.split()
    assert state == "loaded" and int(size) == built.stat().st_size
    assert "rebuilding the native LSTM op" in done.stderr


def _base_env():
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("HRNN_")}
