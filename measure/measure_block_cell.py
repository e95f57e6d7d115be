"""Would TensorFlow's own fused LSTM cell kernels make hrnn's row reader faster? (docs/performance.md, *Where the
time goes now*.)

TensorFlow's CPU build has an LSTM step as one op each way: `LSTMBlockCell` (the product and every gate) and
`LSTMBlockCellGrad` (the gates' backward pass; the products stay outside). This script times one training step of
the row reader (forward and backward through the 896 rows of 32 MNIST images, 128 units, blank prefixes shared) in
three forms, alternating, and checks that all three compute the same values and gradients:

* `hrnn`: `hrnn.nn.recurrence`' own (oneDNN products, a dozen element-wise ops a step each way);
* `cell`: `LSTMBlockCell` forward and `LSTMBlockCellGrad` backward;
* `cell-grad`: hrnn's forward, `LSTMBlockCellGrad` backward.

    HRNN_MNIST=../shared/data/mnist.npz python -m measure.measure_block_cell [--rounds 6] [--batches 40]
"""

import argparse
import time

import numpy as np
import tensorflow as tf

from hrnn.data.mnist import load_mnist
from hrnn.nn.recurrence import _joining_order, _lstm_last_shared


def swap_f_and_c(m):
    """Gate blocks i, f, c, o (Keras) <-> i, c, f, o (TensorFlow's kernels)."""
    i, f, c, o = tf.split(m, 4, axis=-1)
    return tf.concat([i, c, f, o], axis=-1)


def shared_prefix_with_kernels(forward_kernel):
    """The shared-prefix row reader with `LSTMBlockCellGrad` backward; forward with `LSTMBlockCell` if
    `forward_kernel`, else with hrnn's own ops."""

    @tf.custom_gradient
    def last_state(inputs, kernel, recurrent_kernel, bias):
        steps, features, units = inputs.shape[1], inputs.shape[2], recurrent_kernel.shape[0]
        n = tf.shape(inputs)[0]
        x_sorted, order, counts = _joining_order(inputs)
        w = swap_f_and_c(tf.concat([kernel, recurrent_kernel], axis=0))  # (features + units, 4 * units)
        b = swap_f_and_c(bias)
        zero = tf.zeros([units])
        h, c = tf.zeros([1, units]), tf.zeros([1, units])
        saved = []
        for t in range(steps):
            joining = counts[t + 1] - counts[t]
            h_prev = tf.concat([h, tf.tile(h[:1], [joining, 1])], axis=0)
            c_prev = tf.concat([c, tf.tile(c[:1], [joining, 1])], axis=0)
            x_t = x_sorted[: counts[t + 1], t]
            if forward_kernel:
                i, c, f, o, g, tc, h = tf.raw_ops.LSTMBlockCell(
                    x=x_t, cs_prev=c_prev, h_prev=h_prev, w=w, wci=zero, wcf=zero, wco=zero, b=b,
                    forget_bias=0.0, cell_clip=-1.0, use_peephole=False,
                )  # fmt: skip
            else:
                z = tf.matmul(x_t, kernel) + tf.matmul(h_prev, recurrent_kernel) + bias
                zi, zf, zg, zo = tf.split(z, 4, axis=1)
                i, f, g, o = tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)
                c = f * c_prev + i * g
                tc = tf.tanh(c)
                h = o * tc
            saved.append((x_t, h_prev, c_prev, i, c, f, o, g, tc))
        h_sorted = tf.concat([h, tf.tile(h[:1], [n + 1 - counts[steps], 1])], axis=0)
        h_last = tf.gather(h_sorted, tf.math.invert_permutation(order))[:n]

        def grad(dh_last):
            dh_sorted = tf.gather(tf.concat([dh_last, tf.zeros_like(dh_last[:1])], axis=0), order)
            active = counts[steps]
            dh = tf.concat(
                [dh_sorted[:1] + tf.reduce_sum(dh_sorted[active:], 0, keepdims=True), dh_sorted[1:active]], 0
            )
            dc = tf.zeros_like(dh)
            dz_steps = [None] * steps
            for t in reversed(range(steps)):
                x_t, h_prev, c_prev, i, c, f, o, g, tc = saved[t]
                dc_prev, dz, _, _, _ = tf.raw_ops.LSTMBlockCellGrad(
                    x=x_t, cs_prev=c_prev, h_prev=h_prev, w=w, wci=zero, wcf=zero, wco=zero, b=b,
                    i=i, cs=c, f=f, o=o, ci=g, co=tc, cs_grad=dc, h_grad=dh, use_peephole=False,
                )  # fmt: skip
                dz_steps[t] = dz
                dh_prev = tf.matmul(dz, w[features:], transpose_b=True)
                before = counts[t]
                dh = tf.concat([dh_prev[:1] + tf.reduce_sum(dh_prev[before:], 0, keepdims=True), dh_prev[1:before]], 0)
                dc = tf.concat([dc_prev[:1] + tf.reduce_sum(dc_prev[before:], 0, keepdims=True), dc_prev[1:before]], 0)
            dz_all = tf.concat(dz_steps, axis=0)
            xh = tf.concat([tf.concat([s[0] for s in saved], 0), tf.concat([s[1] for s in saved], 0)], axis=1)
            dw = swap_f_and_c(tf.matmul(xh, dz_all, transpose_a=True))
            return tf.zeros_like(inputs), dw[:features], dw[features:], swap_f_and_c(tf.reduce_sum(dz_all, 0))

        return h_last, grad

    return last_state


def training_step(last_state, weights, readout):
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 1], tf.float32)])
    def step(rows):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(last_state(rows, *weights) * readout)
        return [loss, *tape.gradient(loss, weights)]

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    data = load_mnist()
    images = data.x_train[: 32 * args.batches].reshape(args.batches, 32 * 28, 28, 1)
    rng = np.random.default_rng(0)
    weights = [
        tf.Variable(rng.normal(0, s, shape).astype("float32"))
        for s, shape in ((0.3, (1, 512)), (0.1, (128, 512)), (0.1, (512,)))
    ]
    readout = tf.constant(rng.normal(0, 1, (32 * 28, 128)).astype("float32"))
    forms = {
        "hrnn": _lstm_last_shared,
        "cell": shared_prefix_with_kernels(forward_kernel=True),
        "cell-grad": shared_prefix_with_kernels(forward_kernel=False),
    }
    steps = {name: training_step(fn, weights, readout) for name, fn in forms.items()}
    first, outputs = {}, {}
    for name, step in steps.items():
        start = time.perf_counter()
        outputs[name] = step(images[0])
        first[name] = time.perf_counter() - start
    for name, out in outputs.items():
        worst = max(float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-12)) for a, b in zip(out, outputs["hrnn"]))
        print(
            f"{name}: first call (tracing) {first[name]:.2f} s; largest difference from hrnn's {worst:.1e} (relative)"
        )
    times = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for batch in images:
                out = step(batch)
            float(out[0])
            times[name].append((time.perf_counter() - start) / len(images) * 1000)
    for name, ms in times.items():
        print(f"{name}: ms per step, median {np.median(ms):.1f} (min {min(ms):.1f}, max {max(ms):.1f})")


if __name__ == "__main__":
    main()
