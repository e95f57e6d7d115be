"""Keras layers that compute exactly what the seed's layers compute, faster on a CPU.

`RowFoldedTimeDistributed` is `keras.layers.TimeDistributed` that folds the time axis into the batch. Keras 3's
TimeDistributed, when the number of steps is static, calls the wrapped layer once per step in a Python loop:
for the row encoder that is 28 LSTM calls on 32 rows each, per batch, each a 28-step recurrence, all traced
separately. Folding gives one LSTM call on 32 * 28 rows: 28x fewer, 28x larger matmuls and a 28x smaller graph.

`FusedLSTM` is `keras.layers.LSTM` computed in fewer, larger ops. Why: with one pixel per step, Keras's
generic LSTM spends its time on per-step overhead (a while loop, tiny matmuls, and a backward pass that
accumulates the weight gradients one step at a time). `FusedLSTM` computes the same recurrence with

* the input projection for all steps done once, outside the recurrence (one matmul),
* the time loop unrolled at trace time (the sequences here are 28 steps, a static length),
* a hand-written backward pass (backpropagation through time) that runs only the recurrent matmul
  inside the loop and forms the weight gradients afterwards as three large matmuls over all steps.

`FusedLSTM` is a `keras.layers.LSTM` subclass: same weights (kernel, recurrent_kernel, bias; gate order
i, f, c, o), same config, same saving. It takes the fast path only where it computes exactly the
standard function (TensorFlow backend, no GPU, static length, no mask or dropout, default activations);
everywhere else it defers to Keras, so on a GPU the cuDNN kernel is used as before.
"""

import keras
import tensorflow as tf


def lstm_sequence(inputs, h0, c0, kernel, recurrent_kernel, bias):
    """Run an LSTM over a whole sequence.

    Args:
        inputs: float tensor `(batch, steps, features)`; `steps` must be static.
        h0, c0: initial hidden and cell state, `(batch, units)`.
        kernel: `(features, 4 * units)`, recurrent_kernel: `(units, 4 * units)`, bias: `(4 * units,)`,
            laid out as Keras does (gates i, f, c, o).

    Returns:
        `(h_seq, c_last)`: every hidden state `(batch, steps, units)` and the last cell state
        `(batch, units)`. Differentiable with respect to every argument.
    """
    steps = inputs.shape[1]
    if steps is None:
        raise ValueError("lstm_sequence needs a static number of steps")
    return _lstm_sequence(inputs, h0, c0, kernel, recurrent_kernel, bias)


@tf.custom_gradient
def _lstm_sequence(inputs, h0, c0, kernel, recurrent_kernel, bias):
    steps = inputs.shape[1]
    features = tf.shape(inputs)[2]
    batch = tf.shape(inputs)[0]
    units = recurrent_kernel.shape[0]

    x_flat = tf.reshape(tf.transpose(inputs, [1, 0, 2]), [-1, features])  # (steps * batch, features)
    # The input's share of every gate for every step at once: one matmul instead of `steps`.
    x_gates = tf.unstack(tf.reshape(tf.matmul(x_flat, kernel) + bias, [steps, batch, 4 * units]))

    h, c = h0, c0
    h_prev, c_prev, gates, c_tanh = [], [], [], []
    for t in range(steps):
        z = x_gates[t] + tf.matmul(h, recurrent_kernel)  # (batch, 4 * units)
        zi, zf, zg, zo = tf.split(z, 4, axis=1)
        i, f, g, o = tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)
        h_prev.append(h)
        c_prev.append(c)
        c = f * c + i * g
        tc = tf.tanh(c)
        h = o * tc
        gates.append((i, f, g, o))
        c_tanh.append(tc)
    h_seq = tf.stack(h_prev[1:] + [h], axis=1)  # (batch, steps, units)

    def grad(dh_seq, dc_last):
        dh_steps = tf.unstack(dh_seq, axis=1)  # steps x (batch, units)
        dh_next = tf.zeros_like(h0)
        dc_next = dc_last if dc_last is not None else tf.zeros_like(c0)
        dz_steps = [None] * steps
        for t in reversed(range(steps)):
            i, f, g, o = gates[t]
            tc = c_tanh[t]
            dh = dh_steps[t] + dh_next
            dc = dc_next + dh * o * (1.0 - tc * tc)
            dz_steps[t] = tf.concat(
                [
                    dc * g * i * (1.0 - i),
                    dc * c_prev[t] * f * (1.0 - f),
                    dc * i * (1.0 - g * g),
                    dh * tc * o * (1.0 - o),
                ],
                axis=1,
            )  # (batch, 4 * units)
            dc_next = dc * f
            dh_next = tf.matmul(dz_steps[t], recurrent_kernel, transpose_b=True)
        dz_flat = tf.concat(dz_steps, axis=0)  # (steps * batch, 4 * units)
        h_prev_flat = tf.concat(h_prev, axis=0)  # (steps * batch, units)
        # The weight gradients, summed over all steps, as single large matmuls.
        d_recurrent = tf.matmul(h_prev_flat, dz_flat, transpose_a=True)
        d_kernel = tf.matmul(x_flat, dz_flat, transpose_a=True)
        d_bias = tf.reduce_sum(dz_flat, axis=0)
        d_inputs = tf.matmul(dz_flat, kernel, transpose_b=True)  # (steps * batch, features)
        d_inputs = tf.transpose(tf.reshape(d_inputs, [steps, batch, features]), [1, 0, 2])
        return d_inputs, dh_next, dc_next, d_kernel, d_recurrent, d_bias

    return (h_seq, c), grad


@keras.saving.register_keras_serializable(package="hrnn")
class RowFoldedTimeDistributed(keras.layers.TimeDistributed):
    """`keras.layers.TimeDistributed` applying its layer to all time steps in one call (steps folded into the
    batch). Same weights, config and outputs.

    Steps whose input is all zeros (the blank rows above and below an MNIST digit: about a third of all rows)
    all give the same output, so that output is computed once and shared: the wrapped layer runs on the
    non-blank rows plus one blank row. The gradient of the shared output is the sum over the rows that use
    it, as it would be for separate copies, so the weights' gradients, and training, are unchanged. One
    difference remains, by design: the gradient with respect to the *input pixels* of a blank row is returned
    as zero (the shared computation has no per-row input). Training never asks for it; a saliency map would.
    """

    def call(self, inputs, training=None, mask=None):
        if mask is not None or inputs.shape[1] is None or self._is_random(training):
            return super().call(inputs, training=training, mask=mask)
        steps = inputs.shape[1]
        inner_shape = tuple(inputs.shape[2:])
        kwargs = {"training": training} if self.layer._call_has_training_arg else {}
        folded = keras.ops.reshape(inputs, (-1, *inner_shape))  # (batch * steps, ...)
        if keras.backend.backend() != "tensorflow":
            outputs = self.layer.call(folded, **kwargs)
            return keras.ops.reshape(outputs, (-1, steps, *tuple(outputs.shape[1:])))
        n = tf.shape(folded)[0]
        nonblank = tf.reduce_any(tf.not_equal(tf.reshape(folded, [n, -1]), 0), axis=1)  # (batch * steps,)
        kept = tf.where(nonblank)[:, 0]
        unique = tf.concat([tf.gather(folded, kept), tf.zeros_like(folded[:1])], axis=0)  # non-blank rows + 1 blank
        outputs = self.layer.call(unique, **kwargs)  # (kept + 1, ...)
        # Row r reads output k if it is the k-th non-blank row, else the shared blank output (the last one).
        position = tf.where(nonblank, tf.cumsum(tf.cast(nonblank, tf.int32)) - 1, tf.shape(kept, tf.int32)[0])
        outputs = tf.gather(outputs, position)  # (batch * steps, ...)
        return tf.reshape(outputs, [-1, steps, *outputs.shape[1:]])

    def _is_random(self, training):
        """True if the wrapped layer may draw random numbers (dropout while training): then rows differ."""
        layer = self.layer
        cell = getattr(layer, "cell", layer)
        rates = [getattr(cell, "dropout", 0), getattr(cell, "recurrent_dropout", 0), getattr(layer, "rate", 0)]
        return bool(training) and any(r for r in rates if isinstance(r, (int, float)))


@keras.saving.register_keras_serializable(package="hrnn")
class FusedLSTM(keras.layers.LSTM):
    """`keras.layers.LSTM` with a fused CPU path; identical weights, config and results."""

    def _can_fuse(self, sequences, mask, training):
        cell = self.cell
        return (
            keras.backend.backend() == "tensorflow"
            and not tf.config.list_logical_devices("GPU")
            and mask is None
            and sequences.shape[1] is not None
            and not self.go_backwards
            and cell.use_bias
            and cell.activation is keras.activations.tanh
            and cell.recurrent_activation is keras.activations.sigmoid
            and not (training and (cell.dropout or cell.recurrent_dropout))
        )

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not self._can_fuse(sequences, mask, training):
            return super().inner_loop(sequences, initial_state, mask=mask, training=training)
        h_seq, c_last = lstm_sequence(
            sequences,
            initial_state[0],
            initial_state[1],
            tf.convert_to_tensor(self.cell.kernel),
            tf.convert_to_tensor(self.cell.recurrent_kernel),
            tf.convert_to_tensor(self.cell.bias),
        )
        h_last = h_seq[:, -1]
        return h_last, h_seq, [h_last, c_last]
