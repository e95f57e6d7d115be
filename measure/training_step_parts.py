"""Where an HRNN training step's time goes, on the native LSTM ops and on the TensorFlow path (issue 35).

In one process, for each path: a whole training step of the compiled model (`train_on_batch`: forward, backward,
RMSprop), the row reader alone (forward and backward of `lstm_last_state_shared_prefix` on the batch's rows) and the
image reader alone (forward and backward of `lstm_sequence` on 32 x 28 row vectors, with the input's gradient, as
training needs it). What is left of the step (the classifier, the loss, the optimizer, Keras's own work) is the
difference. Rounds alternate the paths; each figure is the median wall ms over all calls, with the lowest and highest
round median.

    HRNN_MNIST=/path/to/mnist.npz flock -x /tmp/quiet.lock python measure/training_step_parts.py
    HRNN_KERNEL_BF16=0 ... (the row reader's products in float32 on a CPU with AMX)
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for `hrnn`
from hrnn.data.mnist import load_mnist  # noqa: E402
from hrnn.nn import recurrence  # noqa: E402
from hrnn.nn.builders import build_hrnn  # noqa: E402
from hrnn.nn.native import op as native_op  # noqa: E402
from hrnn.train.config import TrainConfig  # noqa: E402
from hrnn.train.loop import lstm_kernel  # noqa: E402

PARTS = ("whole step", "row reader", "image reader")


def _parts(images, labels, batch, row_units):
    """The three timed calls for the path this process uses now (`native_op._use`), each a function of a call index."""
    model = build_hrnn(row_units=row_units)
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy")
    row_cell, image_cell = model.get_layer("row_encoder").layer.cell, model.get_layer("column_encoder").cell
    row_weights = [row_cell.kernel, row_cell.recurrent_kernel, row_cell.bias]
    image_weights = [image_cell.kernel, image_cell.recurrent_kernel, image_cell.bias]
    features, units = image_weights[0].shape[0], image_weights[1].shape[0]
    sequence = tf.constant(np.tanh(np.random.default_rng(0).normal(size=(batch, 28, features))).astype(np.float32))
    zeros = tf.zeros([batch, units])

    @tf.function
    def row_reader(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(recurrence.lstm_last_state_shared_prefix(tf.reshape(x, [-1, 28, 1]), *row_weights))
        return tape.gradient(loss, row_weights)

    @tf.function
    def image_reader(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            h_seq, _ = recurrence.lstm_sequence(x, zeros, zeros, *image_weights)
            loss = tf.reduce_sum(h_seq[:, -1])
        return tape.gradient(loss, [x, *image_weights])

    count = len(images) // batch

    def pick(i):
        k = i % count
        return images[k * batch : (k + 1) * batch], labels[k * batch : (k + 1) * batch]

    return {
        "whole step": lambda i: model.train_on_batch(*pick(i)),
        "row reader": lambda i: [g.numpy() for g in row_reader(pick(i)[0])],
        "image reader": lambda i: [g.numpy() for g in image_reader(sequence)],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--row-units", type=int, default=128, help="the row reader's size (the fast preset's: 64)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()

    data = load_mnist("auto")
    images = (data.x_train[: args.batch * 8] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    labels = data.y_train[: args.batch * 8]
    paths = {}
    for name in ("native", native_op.TENSORFLOW):
        native_op._use["library"] = None
        if name == "native":  # native-bf16 on AMX unless HRNN_KERNEL_BF16=0 (or the row reader's size rules it out)
            name = lstm_kernel(TrainConfig(row_units=args.row_units))
            if name == native_op.TENSORFLOW:
                raise SystemExit("the native op is not available here (see the log line above)")
        paths[name] = (native_op._use["library"], _parts(images, labels, args.batch, args.row_units))
        for call in paths[name][1].values():  # trace every function while its path is the process's
            for i in range(3):
                call(i)
    times = {(path, part): [] for path in paths for part in PARTS}
    round_medians = {key: [] for key in times}
    for round_ in range(args.rounds):
        for path in paths if round_ % 2 == 0 else list(paths)[::-1]:
            native_op._use["library"], calls = paths[path]
            for part in PARTS:
                taken = []
                for i in range(args.calls):
                    start = time.perf_counter()
                    calls[part](i)
                    taken.append((time.perf_counter() - start) * 1e3)
                times[(path, part)] += taken
                round_medians[(path, part)].append(statistics.median(taken))
    print(f"{lscpu_model()}; batch {args.batch}, row reader {args.row_units} units; {args.rounds} rounds of ", end="")
    print(f"{args.calls} calls a part, paths alternating")
    for path in paths:
        medians = {part: statistics.median(times[(path, part)]) for part in PARTS}
        for part in PARTS:
            low, high = min(round_medians[(path, part)]), max(round_medians[(path, part)])
            print(f"{path:>11}: {part:<12} {medians[part]:6.1f} ms (round medians {low:.1f}-{high:.1f})")
        rest = medians["whole step"] - medians["row reader"] - medians["image reader"]
        print(f"{path:>11}: {'the rest':<12} {rest:6.1f} ms (the whole step less the two readers)")


def lscpu_model():
    """The CPU's model name, as /proc/cpuinfo gives it."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    main()
