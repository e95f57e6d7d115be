"""The LSTM recurrence in TensorFlow, in fewer, larger ops than Keras's generic loop, with hand-written gradients.

`lstm_sequence` computes the standard LSTM over a whole sequence with

* the input projection for all steps done once, outside the recurrence (one matmul),
* the time loop unrolled at trace time (the sequences here are 28 steps, a static length),
* a hand-written backward pass (backpropagation through time) that runs only the recurrent matmul
  inside the loop and forms the weight gradients afterwards as three large matmuls over all steps.

`lstm_last_state_shared_prefix` also skips the work that MNIST rows share: a blank row, or the blank pixels before a
row's first ink, give the same state for every row, so they are computed once.

Weights are laid out as Keras lays them out (kernel, recurrent_kernel, bias; gates i, f, c, o). The layers that use
these functions, and decide when they apply, are in `hrnn.nn.layers`.
"""

import tensorflow as tf

from hrnn.nn.native import op as native_op


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

    Where training has turned on the native op (`hrnn.nn.native.op.prepare_for_training`), it computes this.
    """
    steps = inputs.shape[1]
    if steps is None:
        raise ValueError("lstm_sequence needs a static number of steps")
    tensors = [tf.convert_to_tensor(v) for v in (inputs, h0, c0, kernel, recurrent_kernel, bias)]
    library = native_op.library_for(tensors)
    if library is not None:
        return native_op.lstm_sequence_native(library, *tensors)
    return _lstm_sequence(*tensors)


@tf.custom_gradient
def _lstm_sequence(inputs, h0, c0, kernel, recurrent_kernel, bias):
    steps = inputs.shape[1]
    features = tf.shape(inputs)[2]
    batch = tf.shape(inputs)[0]
    units = recurrent_kernel.shape[0]

    x_flat = tf.reshape(tf.transpose(inputs, [1, 0, 2]), [-1, features])  # (steps * batch, features)
    # A column of ones makes the bias one more row of the kernel: the forward projection and, in the backward
    # pass, the kernel and bias gradients are then one matmul each (a column sum of a (steps * batch, 4 * units)
    # matrix is several times slower on a CPU than the same work as a matmul).
    x_ones = tf.concat([x_flat, tf.ones_like(x_flat[:, :1])], axis=1)  # (steps * batch, features + 1)
    kernel_bias = tf.concat([kernel, bias[None, :]], axis=0)  # (features + 1, 4 * units)
    # The input's share of every gate for every step at once: one matmul instead of `steps`.
    x_gates = tf.unstack(tf.reshape(tf.matmul(x_ones, kernel_bias), [steps, batch, 4 * units]))

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
        d_kernel_bias = tf.matmul(x_ones, dz_flat, transpose_a=True)  # (features + 1, 4 * units)
        d_kernel, d_bias = d_kernel_bias[:-1], d_kernel_bias[-1]
        d_inputs = tf.matmul(dz_flat, kernel, transpose_b=True)  # (steps * batch, features)
        d_inputs = tf.transpose(tf.reshape(d_inputs, [steps, batch, features]), [1, 0, 2])
        return d_inputs, dh_next, dc_next, d_kernel, d_recurrent, d_bias

    return (h_seq, c), grad


def lstm_last_state_shared_prefix(inputs, kernel, recurrent_kernel, bias):
    """The last hidden state of an LSTM run from a zero state over each of many sequences, computing the steps that
    sequences share only once.

    Until a sequence's first non-zero input, its state does not depend on the sequence: every sequence starting
    with k zero steps is, after those k steps, in the same state as an all-zero sequence. For MNIST rows this is
    most of the work: about 30% of rows are blank and the rest start, on average, with 10 blank pixels. So one
    all-zero "trajectory" sequence runs alongside the others, and a sequence joins the batch only at its first
    non-zero step, starting from the trajectory's state. Sequences sorted by that step make the active ones a
    prefix of the batch at every step; the batch grows as sequences join.

    The weights' gradients are exact (a joining sequence passes its gradient back into the trajectory). The
    gradient with respect to `inputs` is exact from each sequence's first non-zero step on and returned as zero
    before it (where the computation is shared); training never asks for it.

    Args:
        inputs: `(n, steps, features)` floats; `steps` static.
        kernel: `(features, 4 * units)`, recurrent_kernel: `(units, 4 * units)`, bias: `(4 * units,)`; gates
            i, f, c, o as Keras lays them out.

    Returns:
        `(n, units)`: each sequence's hidden state after its last step.

    Where training has turned on the native op (`hrnn.nn.native.op.prepare_for_training`), it computes this.
    """
    if inputs.shape[1] is None:
        raise ValueError("lstm_last_state_shared_prefix needs a static number of steps")
    inputs = tf.convert_to_tensor(inputs)
    weights = [tf.convert_to_tensor(w) for w in (kernel, recurrent_kernel, bias)]  # variables are read here
    library = native_op.library_for([inputs, *weights])
    if library is not None:
        return native_op.lstm_last_state_native(library, inputs, *weights)
    return _lstm_last_shared(inputs, *weights)


def _joining_order(inputs):
    """Sequences with one zero trajectory appended, sorted by their first non-zero step.

    Returns `(x_sorted, order, counts)`: `x_sorted (n + 1, steps, features)`, the permutation `order` (n + 1,)
    that sorted them, and `counts (steps + 1,)` where `counts[t + 1]` sequences are active at step t (those whose
    first non-zero step is <= t, the trajectory always) and `counts[0] = 1` (the trajectory, before step 0).
    """
    steps = inputs.shape[1]
    nonzero = tf.reduce_any(tf.not_equal(inputs, 0), axis=2)  # (n, steps)
    first = tf.where(
        tf.reduce_any(nonzero, axis=1), tf.argmax(tf.cast(nonzero, tf.int32), axis=1, output_type=tf.int32), steps
    )
    first = tf.concat([first, [-1]], axis=0)  # the trajectory is active from the start
    order = tf.argsort(first, stable=True)
    x_ext = tf.concat([inputs, tf.zeros_like(inputs[:1])], axis=0)
    counts = tf.reduce_sum(tf.cast(first[None, :] <= tf.range(-1, steps)[:, None], tf.int32), axis=1)
    return tf.gather(x_ext, order), order, counts


@tf.custom_gradient
def _lstm_last_shared(inputs, kernel, recurrent_kernel, bias):
    steps = inputs.shape[1]
    units = recurrent_kernel.shape[0]
    n = tf.shape(inputs)[0]
    x_sorted, order, counts = _joining_order(inputs)
    kernel_bias = tf.concat([kernel, bias[None, :]], axis=0)  # (features + 1, 4 * units)
    h = tf.zeros([1, units], inputs.dtype)  # the trajectory's state before step 0
    c = tf.zeros([1, units], inputs.dtype)
    saved = []  # per step: (x with ones, h_prev, c_prev, (i, f, g, o), tanh(c))
    for t in range(steps):
        joining = counts[t + 1] - counts[t]
        h_prev = tf.concat([h, tf.tile(h[:1], [joining, 1])], axis=0)  # joiners start from the trajectory's state
        c_prev = tf.concat([c, tf.tile(c[:1], [joining, 1])], axis=0)
        x_t = x_sorted[: counts[t + 1], t]  # (active, features)
        x_ones = tf.concat([x_t, tf.ones_like(x_t[:, :1])], axis=1)
        z = tf.matmul(x_ones, kernel_bias) + tf.matmul(h_prev, recurrent_kernel)  # (active, 4 * units)
        zi, zf, zg, zo = tf.split(z, 4, axis=1)
        i, f, g, o = tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)
        c = f * c_prev + i * g
        tc = tf.tanh(c)
        h = o * tc
        saved.append((x_ones, h_prev, c_prev, (i, f, g, o), tc))
    # Sequences that never joined (all zeros) end in the trajectory's state.
    h_sorted = tf.concat([h, tf.tile(h[:1], [n + 1 - counts[steps], 1])], axis=0)  # (n + 1, units)
    h_last = tf.gather(h_sorted, tf.math.invert_permutation(order))[:n]

    def grad(dh_last):
        dh_sorted = tf.gather(tf.concat([dh_last, tf.zeros_like(dh_last[:1])], axis=0), order)
        active = counts[steps]
        dh = dh_sorted[:active]
        dh = tf.concat([dh[:1] + tf.reduce_sum(dh_sorted[active:], axis=0, keepdims=True), dh[1:]], axis=0)
        dc = tf.zeros_like(dh)
        dz_steps, dx_steps = [None] * steps, [None] * steps
        for t in reversed(range(steps)):
            x_ones, h_prev, c_prev, (i, f, g, o), tc = saved[t]
            dc = dc + dh * o * (1.0 - tc * tc)
            dz = tf.concat(
                [dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dc * i * (1.0 - g * g), dh * tc * o * (1.0 - o)],
                axis=1,
            )  # (active at t, 4 * units)
            dz_steps[t] = dz
            dx_steps[t] = tf.matmul(dz, kernel, transpose_b=True)  # (active at t, features)
            dh_prev = tf.matmul(dz, recurrent_kernel, transpose_b=True)
            dc_prev = dc * f
            before = counts[t]  # active before this step; the rest joined here, from the trajectory's state
            dh = tf.concat([dh_prev[:1] + tf.reduce_sum(dh_prev[before:], 0, keepdims=True), dh_prev[1:before]], 0)
            dc = tf.concat([dc_prev[:1] + tf.reduce_sum(dc_prev[before:], 0, keepdims=True), dc_prev[1:before]], 0)
        dz_all = tf.concat(dz_steps, axis=0)  # (sum of active over steps, 4 * units)
        d_recurrent = tf.matmul(tf.concat([s[1] for s in saved], axis=0), dz_all, transpose_a=True)
        d_kernel_bias = tf.matmul(tf.concat([s[0] for s in saved], axis=0), dz_all, transpose_a=True)
        # The input gradient where it is exact; zeros where the computation was shared.
        padded = [tf.pad(dx, [[0, n + 1 - tf.shape(dx)[0]], [0, 0]]) for dx in dx_steps]
        d_sorted = tf.stack(padded, axis=1)  # (n + 1, steps, features)
        d_inputs = tf.gather(d_sorted, tf.math.invert_permutation(order))[:n]
        return d_inputs, d_kernel_bias[:-1], d_recurrent, d_kernel_bias[-1]

    return h_last, grad
