"""The native LSTM ops in Python: whether this process uses them, and the differentiable calls.

The ops are for training. `prepare_for_training` (called by `hrnn.train.loop.train`, so by the worker, `python -m hrnn
train` and `bench`) builds them if needed and turns them on for the process; a process that never trains (the app
serving predictions, the probe) never compiles anything nor loads the library, so its first prediction never waits
for a build. `HRNN_KERNEL=0` turns them off, and so does a GPU (where `FusedLSTM` defers to Keras's cuDNN layers).
When the ops are off, or could not be built, the LSTMs run `hrnn.nn.recurrence`'s TensorFlow path: the same
functions, the same results to float rounding.
"""

import contextlib
import logging

import tensorflow as tf

from hrnn import settings
from hrnn.nn.native import build

NATIVE = "native"
NATIVE_BF16 = "native-bf16"  # the row reader's products in bfloat16 on AMX
TENSORFLOW = "tensorflow"
DTYPES = (tf.float32, tf.float64)

log = logging.getLogger(__name__)

# The library the LSTMs call once training has asked for it, and whether the row reader's products are bfloat16.
_use = {"library": None, "bf16": False, "off_said": False}


def prepare_for_training():
    """Build (first time on this machine) and load the ops, and use them from now on in this process. Returns which
    path the LSTMs train on: `NATIVE` or `TENSORFLOW` (the ops are turned off, there is a GPU, or they could not be
    built: logged once)."""
    library = None
    off = None if settings.native_kernel() else "HRNN_KERNEL=0"
    if off is None and tf.config.list_logical_devices("GPU"):
        off = "a GPU: Keras's cuDNN layers"
    if off is None:
        library = build.load_library(build=True)
    elif not _use["off_said"]:
        _use["off_said"] = True
        log.info("native LSTM op not used (%s): the TensorFlow path is used", off)
    _use["library"] = library
    _use["bf16"] = library is not None and settings.kernel_bf16() and bool(library.hrnn_amx_ready())
    if library is None:
        return TENSORFLOW
    return NATIVE_BF16 if _use["bf16"] else NATIVE


@contextlib.contextmanager
def tensorflow_path():
    """Within it the LSTMs take the TensorFlow path, as in a process that never trains (the app); a function traced
    within it keeps that path."""
    saved, _use["library"] = _use["library"], None
    try:
        yield
    finally:
        _use["library"] = saved


def bf16_fits(units):
    """Whether a row reader of `units` takes its products in bfloat16 where they are on (`lstm_op.cc`'s AMX products
    need a multiple of 32 units; others stay float32)."""
    return units % 32 == 0


def active_library():
    """The op library the LSTMs should call now, or None for the TensorFlow path."""
    return _use["library"]


def library_for(tensors):
    """The op library to compute an LSTM on `tensors` (its inputs and weights), or None for the TensorFlow path: None
    where the op is off, or the tensors are not all of one dtype the op has (`DTYPES`)."""
    library = _use["library"]
    dtype = tensors[0].dtype
    if library is None or dtype not in DTYPES or any(t.dtype != dtype for t in tensors):
        return None
    return library


def lstm_last_state_native(library, inputs, kernel, recurrent_kernel, bias):
    """`hrnn.nn.recurrence.lstm_last_state_shared_prefix` computed by the native op of `library`, with its gradient.

    Args:
        library: the loaded op library (`active_library()`).
        inputs: `(n, steps, features)` float32 or float64; kernel `(features, 4 * units)`, recurrent_kernel
            `(units, 4 * units)`, bias `(4 * units,)`, of the same dtype (gates i, f, c, o).

    Returns:
        `(n, units)`: each sequence's last hidden state. The input's gradient is zero on the shared zero prefix.
    """

    bf16 = _use["bf16"] and inputs.dtype == tf.float32  # bfloat16 products on AMX (prepare_for_training decides)

    @tf.custom_gradient
    def run(inputs, kernel, recurrent_kernel, bias):
        h_last, *saved = library.hrnn_lstm_last_shared(inputs, kernel, recurrent_kernel, bias, bf16=bf16)

        def grad(dh_last):
            d_inputs, d_kernel, d_recurrent, d_bias = library.hrnn_lstm_last_shared_grad(
                dh_last, kernel, recurrent_kernel, *saved, bf16=bf16
            )
            return tf.ensure_shape(d_inputs, inputs.shape), d_kernel, d_recurrent, d_bias

        return h_last, grad

    return run(inputs, kernel, recurrent_kernel, bias)


def lstm_sequence_native(library, inputs, h0, c0, kernel, recurrent_kernel, bias):
    """`hrnn.nn.recurrence.lstm_sequence` computed by the native op of `library`, with its gradient.

    Args:
        library: the loaded op library (`active_library()`).
        inputs: `(batch, steps, features)`; h0, c0 `(batch, units)`; kernel `(features, 4 * units)`,
            recurrent_kernel `(units, 4 * units)`, bias `(4 * units,)`; one float dtype (gates i, f, c, o).

    Returns:
        `(h_seq, c_last)`: every hidden state `(batch, steps, units)` and the last cell state `(batch, units)`.
    """

    @tf.custom_gradient
    def run(inputs, h0, c0, kernel, recurrent_kernel, bias):
        h_seq, c_last, *saved = library.hrnn_lstm_sequence(inputs, h0, c0, kernel, recurrent_kernel, bias)

        def grad(dh_seq, dc_last):
            dh_seq = tf.zeros_like(h_seq) if dh_seq is None else dh_seq
            dc_last = tf.zeros_like(c_last) if dc_last is None else dc_last
            d_inputs, d_h0, d_c0, d_kernel, d_recurrent, d_bias = library.hrnn_lstm_sequence_grad(
                dh_seq, dc_last, inputs, kernel, recurrent_kernel, *saved
            )
            return tf.ensure_shape(d_inputs, inputs.shape), d_h0, d_c0, d_kernel, d_recurrent, d_bias

        return (h_seq, c_last), grad

    return run(inputs, h0, c0, kernel, recurrent_kernel, bias)
