"""Keras layers that compute exactly what the original Keras example's layers compute, faster on a CPU.

`RowFoldedTimeDistributed` is `keras.layers.TimeDistributed` that folds the time axis into the batch. Keras 3's
TimeDistributed, when the number of steps is static, calls the wrapped layer once per step in a Python loop:
for the row reader that is 28 LSTM calls on 32 rows each, per batch, each a 28-step recurrence, all traced
separately. Folding gives one LSTM call on 32 * 28 rows: 28x fewer, 28x larger matmuls and a 28x smaller graph.

`FusedLSTM` is `keras.layers.LSTM` computed in fewer, larger ops. Why: with one pixel per step, Keras's
generic LSTM spends its time on per-step overhead (a while loop, tiny matmuls, and a backward pass that
accumulates the weight gradients one step at a time). `FusedLSTM` computes the same recurrence with
`hrnn.nn.recurrence.lstm_sequence` (one input projection, an unrolled loop, a hand-written backward pass); inside the
row reader, `lstm_last_state_shared_prefix` also computes the steps that MNIST rows share only once.

`FusedLSTM` is a `keras.layers.LSTM` subclass: same weights (kernel, recurrent_kernel, bias; gate order
i, f, c, o), same config, same saving. It takes the fast path only where it computes exactly the
standard function (TensorFlow backend, no GPU, static length, no mask or dropout, default activations);
everywhere else it defers to Keras, so on a GPU the cuDNN kernel is used as before.
"""

import keras
import tensorflow as tf

from hrnn._compat import takes_training_arg
from hrnn.nn.recurrence import lstm_last_state_shared_prefix, lstm_sequence


@keras.saving.register_keras_serializable(package="hrnn")
class RowFoldedTimeDistributed(keras.layers.TimeDistributed):
    """`keras.layers.TimeDistributed` applying its layer to all time steps in one call (steps folded into the
    batch). Same weights, config and outputs.

    When the wrapped layer is a `FusedLSTM` returning its last state (the row reader), the rows go through
    `lstm_last_state_shared_prefix`, which computes the zero steps that rows share (blank rows, and the blank
    pixels before a row's first ink) once. Otherwise, steps whose input is all zeros (the blank rows above and
    below an MNIST digit: about a third of all rows) all give the same output, so that output is computed once
    and shared: the wrapped layer runs on the non-blank rows plus one blank row.

    Either way, the gradient of a shared output is the sum over the rows that use it, as it would be for separate
    copies, so the weights' gradients, and training, are unchanged. One difference remains, by design: the
    gradient with respect to the *input pixels* of shared zero steps is returned as zero (the shared computation
    has no per-row input). Training never asks for it; a saliency map would.
    """

    def call(self, inputs, training=None, mask=None):
        if mask is not None or inputs.shape[1] is None or self._is_random(training):
            return super().call(inputs, training=training, mask=mask)
        steps = inputs.shape[1]
        inner_shape = tuple(inputs.shape[2:])
        kwargs = {"training": training} if takes_training_arg(self.layer) else {}
        folded = keras.ops.reshape(inputs, (-1, *inner_shape))  # (batch * steps, ...)
        if keras.backend.backend() != "tensorflow":
            outputs = self.layer.call(folded, **kwargs)
            return keras.ops.reshape(outputs, (-1, steps, *tuple(outputs.shape[1:])))
        if isinstance(self.layer, FusedLSTM) and self.layer.can_share_prefixes(folded, training):
            cell = self.layer.cell
            last = lstm_last_state_shared_prefix(folded, cell.kernel, cell.recurrent_kernel, cell.bias)  # (b * s, u)
            return tf.reshape(last, [-1, steps, last.shape[-1]])
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

    def can_share_prefixes(self, sequences, training):
        """True if `lstm_last_state_shared_prefix` computes this layer's output for `sequences` from a zero state:
        the fused path applies and only the last hidden state is returned."""
        return (
            self._can_fuse(sequences, None, training)
            and not self.return_sequences
            and not self.return_state
            and not self.stateful
            and sequences.shape[2] is not None
        )

    def inner_loop(self, sequences, initial_state, mask, training=False):  # a private Keras method: hrnn._compat
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
