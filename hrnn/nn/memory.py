"""The readers' memory: the hidden state, cell state and gates of the image reader after every row, and of the row
reader after every pixel of a row, from the layers' own weights.

An LSTM step, with the weights laid out as Keras lays them out (gates i, f, c, o along the last axis of `kernel`,
`recurrent_kernel` and `bias`, each `units` wide; `hrnn.nn.layers.FusedLSTM` keeps that layout and is tested
against `keras.layers.LSTM`):

    z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias      (n, 4 * units), split into z_i, z_f, z_g, z_o
    i = sigmoid(z_i)   what the step writes into the memory   (the input gate)
    f = sigmoid(z_f)   what the memory keeps of itself         (the forget gate)
    g = tanh(z_g)      what would be written (the candidate)
    o = sigmoid(z_o)   what the memory shows as the state      (the output gate)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

`image_reader_memory` steps this recurrence over the row reader's 28 row vectors (the model's own row reader),
starting from zero states, as the model does, in one compiled TensorFlow function per model: the row reader and the
image reader's 28 steps on the layer's own variables. (A numpy recurrence computed the same in 20 ms alone but
took 0.6 to 0.9 s inside a training run on 2 cores, numpy's BLAS threads most likely contending with TensorFlow's.)
The `h` it implies is the image reader's own hidden state; tests check every array against an independent numpy step.
`row_reader_memory` steps the same recurrence over pixel rows, one pixel per step, with the row reader's weights: its
last `h` is the row reader's summary of the row.
"""

import threading
import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from hrnn.nn.builders import ROW_READER_LAYER
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.probe import image_reader

GATES = ("i", "f", "g", "o")  # Keras's order of the four gate blocks in an LSTM's weights


@dataclass(frozen=True)
class LstmMemory:
    """An LSTM's states after every step, for a batch of sequences; every array `(n, steps, units)` float32."""

    hidden: np.ndarray  # h_t, in (-1, 1): what the reader shows after step t (the image reader's state after row t)
    cell: np.ndarray  # c_t: the memory itself, unbounded
    input_gate: np.ndarray  # i_t in (0, 1): how much of the candidate is written into the memory
    forget_gate: np.ndarray  # f_t in (0, 1): how much of the memory is kept from the step before
    output_gate: np.ndarray  # o_t in (0, 1): how much of tanh(memory) is shown as the hidden state
    candidate: np.ndarray  # g_t in (-1, 1): what would be written into the memory

    @property
    def units(self):
        return self.hidden.shape[-1]


def lstm_states(sequences, kernel, recurrent_kernel, bias):
    """Step an LSTM over `sequences` from zero states and keep every step's states and gates (TensorFlow ops).

    Args:
        sequences: `(n, steps, features)` float32 tensor, `steps` static.
        kernel: `(features, 4 * units)`, recurrent_kernel: `(units, 4 * units)`, bias: `(4 * units,)`, gates i, f, c,
            o as Keras lays them out (`GATES`).

    Returns:
        A dict of `(n, steps, units)` tensors: `h`, `c`, `i`, `f`, `g`, `o`.
    """
    steps, units = sequences.shape[1], recurrent_kernel.shape[0]
    n = tf.shape(sequences)[0]
    x_gates = tf.tensordot(sequences, kernel, 1) + bias  # (n, steps, 4 * units): the input's share, all steps at once
    h = tf.zeros(tf.stack([n, units]))
    c = tf.zeros(tf.stack([n, units]))
    kept = {name: [] for name in ("h", "c", *GATES)}
    for t in range(steps):
        z = x_gates[:, t] + tf.matmul(h, recurrent_kernel)  # (n, 4 * units)
        zi, zf, zg, zo = tf.split(z, 4, axis=1)
        i, f, g, o = tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)
        c = f * c + i * g
        h = o * tf.tanh(c)
        for name, value in (("h", h), ("c", c), ("i", i), ("f", f), ("g", g), ("o", o)):
            kept[name].append(value)
    return {name: tf.stack(values, axis=1) for name, values in kept.items()}


_FUNCTIONS = weakref.WeakKeyDictionary()  # model -> its compiled memory function; the function holds no model
_LOCK = threading.Lock()


def _memory_function(model):
    """`model`'s memory as one compiled function for every batch size, traced on first use, kept while it lives."""
    with _LOCK:
        function = _FUNCTIONS.get(model)
        if function is None:
            try:
                rows = keras.Model(model.inputs, model.get_layer(ROW_READER_LAYER).output)  # shares the weights
            except ValueError as exc:
                raise ModelFileError(f"not an hrnn model: {exc}") from exc
            cell = image_reader(model).cell

            def call(images):
                return lstm_states(rows(images, training=False), cell.kernel, cell.recurrent_kernel, cell.bias)

            function = _FUNCTIONS[model] = tf.function(
                call, input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)]
            )
    return function


def image_reader_memory(model, images):
    """The image reader's states and gates after each row, for a batch of images.

    One compiled call per model (the row reader, then the image reader's recurrence on its own variables), read
    when called: a model being trained gives its current memory.

    Args:
        model: an HRNN (layers row_encoder, column_encoder, classifier).
        images: `(n, 28, 28, 1)` or `(n, 28, 28)` floats in [0, 1].

    Returns:
        `LstmMemory`, each array `(n, 28, image_units)` float32; `hidden[:, t]` is the image reader's state after row
        t + 1 (`hrnn.nn.probe.ProbeResult.image_states`).

    Raises:
        ValueError: for images of another shape; ModelFileError: for a model that is not an HRNN.
    """
    images = np.asarray(images, np.float32)
    if images.shape[1:] == (28, 28):
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected images of shape (n, 28, 28, 1) or (n, 28, 28), got {images.shape}")
    return _as_memory(_memory_function(model)(tf.constant(images)))


_ROW_FUNCTIONS = weakref.WeakKeyDictionary()  # model -> its compiled row-reader memory function


def _row_memory_function(model):
    """The row reader's memory over pixel rows, as one compiled function per model (see `_memory_function`)."""
    with _LOCK:
        function = _ROW_FUNCTIONS.get(model)
        if function is None:
            cell = _row_reader(model).cell

            def call(pixel_rows):  # (n, 28): each row is 28 steps of one pixel
                return lstm_states(pixel_rows[..., None], cell.kernel, cell.recurrent_kernel, cell.bias)

            rows = tf.TensorSpec((None, 28), tf.float32)
            function = _ROW_FUNCTIONS[model] = tf.function(call, input_signature=[rows])
    return function


def _row_reader(model):
    """The row reader's LSTM (inside the row encoder's TimeDistributed wrapper). Raises ModelFileError."""
    try:
        layer = model.get_layer(ROW_READER_LAYER)
    except ValueError as exc:
        raise ModelFileError(f"not an hrnn model: {exc}") from exc
    inner = getattr(layer, "layer", layer)
    if not isinstance(inner, keras.layers.LSTM):
        raise ModelFileError(f"layer 'row_encoder' holds a {type(inner).__name__}, expected an LSTM")
    return inner


def row_reader_memory(model, pixel_rows):
    """The row reader's states and gates after each pixel of each row, for a batch of pixel rows.

    The row reader reads a row left to right, one pixel per step, from zero states: each row alone, as the model
    reads every row of an image.

    Args:
        model: an HRNN (layers row_encoder, column_encoder, classifier).
        pixel_rows: `(n, 28)` floats in [0, 1] (an image's 28 rows are n = 28 of them).

    Returns:
        `LstmMemory`, each array `(n, 28, row_units)` float32; `hidden[k, t]` is the row reader's state after pixel
        t + 1 of row k, and `hidden[k, -1]` its summary of the row (`hrnn.nn.probe.ProbeResult.row_vectors`).

    Raises:
        ValueError: for rows of another shape; ModelFileError: for a model that is not an HRNN.
    """
    pixel_rows = np.asarray(pixel_rows, np.float32)
    if pixel_rows.ndim != 2 or pixel_rows.shape[1] != 28:
        raise ValueError(f"expected pixel rows of shape (n, 28), got {pixel_rows.shape}")
    return _as_memory(_row_memory_function(model)(tf.constant(pixel_rows)))


def _as_memory(tensors):
    """`lstm_states`'s tensors as an `LstmMemory` of numpy arrays."""
    out = {name: value.numpy() for name, value in tensors.items()}
    return LstmMemory(
        hidden=out["h"],
        cell=out["c"],
        input_gate=out["i"],
        forget_gate=out["f"],
        output_gate=out["o"],
        candidate=out["g"],
    )
