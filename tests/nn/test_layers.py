"""The fast layers compute the same function as Keras's own, with the same weights: outputs and gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from hrnn.nn import layers
from hrnn.nn.layers import FusedLSTM, RowFoldedTimeDistributed
from hrnn.nn.recurrence import lstm_last_state_shared_prefix, lstm_sequence

# The fast paths run on the TensorFlow backend without a GPU (`FusedLSTM._can_fuse`); elsewhere Keras's own code runs.
FAST_PATHS = keras.backend.backend() == "tensorflow" and not tf.config.list_logical_devices("GPU")


@pytest.fixture
def fast_paths(monkeypatch):
    """Counts the calls the layers make into their fast paths, and the rows each got: `lstm_sequence` (a
    `FusedLSTM`'s fused recurrence) and `lstm_last_state_shared_prefix` (the row reader's shared prefixes). An
    equivalence test that never reaches them would only compare Keras with itself. (The test functions' own
    direct calls, through the names imported above, are not counted.)"""
    calls = {"lstm_sequence": [], "shared_prefix": []}

    def counting(name, function):
        def spy(inputs, *args, **kwargs):
            calls[name].append(inputs.shape[0])
            return function(inputs, *args, **kwargs)

        return spy

    monkeypatch.setattr(layers, "lstm_sequence", counting("lstm_sequence", layers.lstm_sequence))
    monkeypatch.setattr(
        layers, "lstm_last_state_shared_prefix", counting("shared_prefix", layers.lstm_last_state_shared_prefix)
    )
    return calls


def _assert_fast_path(calls, name):
    """The layer under test ran through the fast path `name` (and not the other one), where it applies."""
    other = "shared_prefix" if name == "lstm_sequence" else "lstm_sequence"
    if FAST_PATHS:
        assert calls[name], f"{name} never ran: the test compared Keras's own path with itself"
    assert not calls[other], f"{other} ran where {name} should have"


def _gradients(layer, x, weights_of=None):
    """Outputs and gradients (w.r.t. the input and the trainable weights) of a weighted sum of the outputs."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        probe_weights = tf.sin(tf.reshape(tf.range(tf.size(y), dtype=tf.float32), tf.shape(y)))
        loss = tf.reduce_sum(y * probe_weights)
    variables = (weights_of or layer).trainable_variables
    grads = tape.gradient(loss, [x] + variables)
    return y.numpy(), [g.numpy() for g in grads]


def _assert_close(a, b, rtol=1e-4, atol=1e-5):
    scale = max(1.0, float(np.abs(a).max()))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale)


def _same_weights(reference, candidate, shape, rng=None):
    """Build both layers for `shape` and give them the same weights: random ones (scale 0.5) when `rng` is
    given, else the reference's own initial weights."""
    reference.build(shape)
    candidate.build(shape)
    weights = reference.get_weights()
    if rng is not None:
        weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in weights]
        reference.set_weights(weights)
    candidate.set_weights(weights)
    return reference, candidate


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("features", [1, 5])
def test_fused_lstm_matches_keras_lstm_outputs_and_gradients(return_sequences, features, fast_paths):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 9, features)).astype(np.float32)
    # Random weights: bias and kernel scale matter for coverage.
    reference, fused = _same_weights(
        keras.layers.LSTM(7, return_sequences=return_sequences),
        FusedLSTM(7, return_sequences=return_sequences),
        x.shape,
        rng,
    )
    y_ref, g_ref = _gradients(reference, x)
    y_fused, g_fused = _gradients(fused, x)
    _assert_fast_path(fast_paths, "lstm_sequence")
    _assert_close(y_fused, y_ref)
    for a, b in zip(g_fused, g_ref):
        _assert_close(a, b)


def test_lstm_sequence_uses_initial_state_and_returns_last_cell_state():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    h0 = rng.normal(size=(3, 4)).astype(np.float32)
    c0 = rng.normal(size=(3, 4)).astype(np.float32)
    reference = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    reference.build(x.shape)
    kernel, recurrent, bias = reference.get_weights()
    y_ref, h_ref, c_ref = reference(x, initial_state=[h0, c0])
    h_seq, c_last = lstm_sequence(tf.constant(x), tf.constant(h0), tf.constant(c0), kernel, recurrent, bias)
    _assert_close(h_seq.numpy(), y_ref.numpy())
    _assert_close(h_seq.numpy()[:, -1], h_ref.numpy())
    _assert_close(c_last.numpy(), c_ref.numpy())


def test_lstm_sequence_gradient_matches_numerical_estimate():
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(2, 4, 1)), tf.float64)
    h0 = tf.zeros((2, 3), tf.float64)
    kernel = tf.constant(rng.normal(scale=0.5, size=(1, 12)), tf.float64)
    recurrent = tf.constant(rng.normal(scale=0.5, size=(3, 12)), tf.float64)
    bias = tf.constant(rng.normal(scale=0.5, size=(12,)), tf.float64)

    def f(k):
        return tf.reduce_sum(lstm_sequence(x, h0, h0, k, recurrent, bias)[0] ** 2)

    theoretical, numerical = tf.test.compute_gradient(f, [kernel])
    np.testing.assert_allclose(theoretical[0], numerical[0], rtol=1e-5, atol=1e-7)


def test_row_folded_time_distributed_matches_keras_time_distributed(fast_paths):
    rng = np.random.default_rng(3)
    x = rng.random(size=(4, 6, 5, 1)).astype(np.float32)
    reference, folded = _same_weights(
        keras.layers.TimeDistributed(keras.layers.LSTM(3)), RowFoldedTimeDistributed(FusedLSTM(3)), x.shape
    )
    y_ref, g_ref = _gradients(reference, x)
    y_folded, g_folded = _gradients(folded, x)
    _assert_fast_path(fast_paths, "shared_prefix")
    assert y_folded.shape == (4, 6, 3)
    _assert_close(y_folded, y_ref)
    for a, b in zip(g_folded, g_ref):
        _assert_close(a, b)


def test_fused_lstm_with_a_mask_falls_back_to_keras(fast_paths):
    x = np.random.default_rng(4).normal(size=(3, 5, 2)).astype(np.float32)
    x[0, 3:] = 0.0  # padded steps
    mask = tf.constant(np.abs(x).sum(-1) > 0)
    reference, fused = _same_weights(keras.layers.LSTM(4), FusedLSTM(4), x.shape)
    _assert_close(fused(x, mask=mask).numpy(), reference(x, mask=mask).numpy())
    assert fast_paths == {"lstm_sequence": [], "shared_prefix": []}  # the fused path does not handle masks
    fused(x)  # without the mask it does
    _assert_fast_path(fast_paths, "lstm_sequence")


def test_fused_lstm_saves_and_loads_as_itself(tmp_path, fast_paths):
    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, FusedLSTM(3, name="lstm")(inputs))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.get_layer("lstm"), FusedLSTM)
    x = np.ones((2, 5, 2), np.float32)
    fast_paths["lstm_sequence"].clear()
    y_loaded = loaded(x).numpy()
    _assert_fast_path(fast_paths, "lstm_sequence")  # the loaded layer takes the fused path too
    np.testing.assert_array_equal(y_loaded, model(x).numpy())


@pytest.mark.parametrize(
    "make_layer",
    [
        pytest.param(lambda: keras.layers.LSTM(4), id="keras-lstm"),
        pytest.param(lambda: FusedLSTM(4, return_sequences=True), id="fused-lstm-sequences"),
    ],
)
def test_blank_rows_share_one_output_with_the_same_weight_gradients(make_layer, fast_paths, monkeypatch):
    """A wrapped layer that cannot share prefixes (not a `FusedLSTM`, or one returning sequences) runs once on the
    non-blank rows plus one blank row, whose output every blank row reads."""
    rng = np.random.default_rng(5)
    x = rng.random(size=(3, 7, 6, 1)).astype(np.float32)
    x[0, :3] = 0.0  # blank rows at the top of image 0
    x[1, 5:] = 0.0  # and at the bottom of image 1
    x[2] = 0.0  # an all-blank image
    inner = make_layer()
    reference, folded = _same_weights(
        keras.layers.TimeDistributed(keras.layers.LSTM(4, return_sequences=inner.return_sequences)),
        RowFoldedTimeDistributed(inner),
        x.shape,
        rng,
    )
    rows_in = []  # the rows each call of the wrapped layer got
    call = inner.call

    def counting_call(inputs, *args, **kwargs):
        rows_in.append(int(inputs.shape[0]))
        return call(inputs, *args, **kwargs)

    monkeypatch.setattr(inner, "call", counting_call)
    y_ref, g_ref = _gradients(reference, x)
    y_folded, g_folded = _gradients(folded, x)
    blank = (x == 0).all(axis=(2, 3))  # (images, rows)
    assert 0 < blank.sum() < blank.size
    assert rows_in == [int((~blank).sum()) + 1], "the blank rows were not computed once, as one shared row"
    assert not fast_paths["shared_prefix"]
    if isinstance(inner, FusedLSTM) and FAST_PATHS:
        assert fast_paths["lstm_sequence"] == rows_in  # and the fused recurrence ran on those rows
    _assert_close(y_folded, y_ref)
    for a, b in zip(g_folded[1:], g_ref[1:]):  # the weights: what training uses
        _assert_close(a, b)
    _assert_close(g_folded[0][~blank], g_ref[0][~blank])  # the input gradient of every non-blank row
    assert not g_folded[0][blank].any()  # blank rows are computed once: no per-row input gradient (documented)


def test_all_rows_nonblank_still_matches(fast_paths):
    x = np.random.default_rng(6).random(size=(2, 5, 4, 1)).astype(np.float32) + 0.1
    reference, folded = _same_weights(
        keras.layers.TimeDistributed(keras.layers.LSTM(3)), RowFoldedTimeDistributed(FusedLSTM(3)), x.shape
    )
    _assert_close(folded(x).numpy(), reference(x).numpy())
    _assert_fast_path(fast_paths, "shared_prefix")
    assert fast_paths["shared_prefix"] == [10]  # all 2 x 5 rows in one call


def _rows_with_zero_prefixes(rng, n=9, steps=7, features=1):
    """Sequences that start with 0 to `steps` zero steps (all zero: a blank row), as MNIST rows do."""
    x = rng.random(size=(n, steps, features)).astype(np.float32) + 0.1
    for r, lead in enumerate(rng.permutation(np.arange(n) % (steps + 1))):
        x[r, :lead] = 0.0
    return x


def test_shared_prefixes_give_keras_lstm_last_states_and_weight_gradients():
    rng = np.random.default_rng(7)
    x = _rows_with_zero_prefixes(rng)
    reference, fused = _same_weights(keras.layers.LSTM(4), FusedLSTM(4), x.shape, rng)
    cell = fused.cell

    def shared(inputs):
        return lstm_last_state_shared_prefix(inputs, cell.kernel, cell.recurrent_kernel, cell.bias)

    y_ref, g_ref = _gradients(reference, x)
    y_shared, g_shared = _gradients(shared, x, weights_of=fused)
    _assert_close(y_shared, y_ref)
    for a, b in zip(g_shared[1:], g_ref[1:]):  # kernel, recurrent kernel, bias: exact
        _assert_close(a, b)
    started = np.cumsum(np.abs(x).sum(axis=2) > 0, axis=1) > 0  # (n, steps): at or after the first non-zero step
    _assert_close(g_shared[0][started], g_ref[0][started])  # the input gradient where it is computed
    assert not g_shared[0][~started].any()  # and zero on the shared zero prefix (documented)


def test_rows_folded_with_shared_prefixes_match_keras_time_distributed(fast_paths):
    rng = np.random.default_rng(8)
    x = _rows_with_zero_prefixes(rng, n=12, steps=6).reshape(2, 6, 6, 1)  # 2 images of 6 rows of 6 pixels
    x[1, 4:] = 0.0  # blank rows at the bottom
    reference, folded = _same_weights(
        keras.layers.TimeDistributed(keras.layers.LSTM(5)), RowFoldedTimeDistributed(FusedLSTM(5)), x.shape, rng
    )
    y_ref, g_ref = _gradients(reference, x)
    y_folded, g_folded = _gradients(folded, x)
    _assert_fast_path(fast_paths, "shared_prefix")
    _assert_close(y_folded, y_ref)
    for a, b in zip(g_folded[1:], g_ref[1:]):
        _assert_close(a, b)


def test_shared_prefixes_with_every_row_blank_give_the_zero_input_state():
    rng = np.random.default_rng(9)
    x = np.zeros((3, 5, 1), np.float32)
    reference, fused = _same_weights(keras.layers.LSTM(3), FusedLSTM(3), x.shape, rng)
    cell = fused.cell
    y = lstm_last_state_shared_prefix(tf.constant(x), cell.kernel, cell.recurrent_kernel, cell.bias).numpy()
    _assert_close(y, reference(x).numpy())
    assert np.ptp(y, axis=0).max() == 0.0  # one shared state
