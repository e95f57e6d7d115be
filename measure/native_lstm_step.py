"""One row-reader training step (forward and backward of `lstm_last_state_shared_prefix`) on the native op against
the TensorFlow path, in one process, alternating (issue 35).

A batch of MNIST training images folded into rows (32 images: 896 rows of 28 one-pixel steps), 128 units, the shipped
model's row-encoder weights; each side runs in a `tf.function` around a `tf.GradientTape` (the loss `sum(h * u)` with a
fixed random `u`), as the spike did (measure/lstm_spike/compare.py). Rounds alternate the sides; per side it prints
the median wall ms per step over all calls, each round's median, the median CPU ms per step (all threads), and the
speedup (TensorFlow's median over the op's).

    HRNN_MNIST=/path/to/mnist.npz flock -x /tmp/quiet.lock python measure/native_lstm_step.py --json-out step.json

`--library` loads a given build of the op instead of the cached one (to compare variants of lstm_op.cc).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for `hrnn`
from hrnn.data.mnist import load_mnist  # noqa: E402
from hrnn.nn import recurrence  # noqa: E402
from hrnn.nn.model_files import load_pretrained  # noqa: E402
from hrnn.nn.native import build  # noqa: E402
from hrnn.nn.native import op as native_op  # noqa: E402


def _step(function, weights, upstream):
    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            h = function(x, *weights)
            loss = tf.reduce_sum(h * upstream)
        return [h, *tape.gradient(loss, weights)]

    return step


def _bf16(library, *args):
    """The op with bfloat16 products on AMX: the attribute is taken when the step is traced."""
    native_op._use["bf16"] = True
    try:
        return native_op.lstm_last_state_native(library, *args)
    finally:
        native_op._use["bf16"] = False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=16)
    parser.add_argument("--library", help="a built lstm_op .so to load (default: the cache's, built if missing)")
    parser.add_argument("--json-out")
    args = parser.parse_args()

    library = tf.load_op_library(args.library) if args.library else build.load_library(build=True)
    if library is None:
        raise SystemExit(f"the native op is not available: {build.failure()}")
    data = load_mnist("auto")
    cell = load_pretrained().get_layer("row_encoder").layer.cell
    weights = [tf.Variable(tf.convert_to_tensor(w)) for w in (cell.kernel, cell.recurrent_kernel, cell.bias)]
    rng = np.random.default_rng(0)
    batches = [
        tf.constant(
            (data.x_train[i * args.images : (i + 1) * args.images] / 255.0).astype(np.float32).reshape(-1, 28, 1)
        )
        for i in range(8)
    ]
    upstream = tf.constant(rng.normal(size=(batches[0].shape[0], weights[1].shape[0])).astype(np.float32))
    sides = {
        "tensorflow": _step(recurrence._lstm_last_shared, weights, upstream),
        "native": _step(lambda *a: native_op.lstm_last_state_native(library, *a), weights, upstream),
    }
    if hasattr(library, "hrnn_amx_ready") and bool(library.hrnn_amx_ready()):  # this CPU has AMX: bfloat16 too
        sides["native-bf16"] = _step(lambda *a: _bf16(library, *a), weights, upstream)
    names = ("h", "d_kernel", "d_recurrent", "d_bias")
    worst = {name: [0.0, 0.0] for name in names}  # max abs difference, max abs of TensorFlow's value
    for x in batches:
        a, b = sides["tensorflow"](x), sides["native"](x)
        for name, p, q in zip(names, a, b):
            worst[name][0] = max(worst[name][0], float(np.abs(p.numpy() - q.numpy()).max()))
            worst[name][1] = max(worst[name][1], float(np.abs(q.numpy()).max()))
    said = ", ".join(f"{name} {d:.1e} (of values up to {v:.2g})" for name, (d, v) in worst.items())
    print(f"max abs difference, op vs TensorFlow, over 8 batches: {said}")
    for side in sides.values():
        for x in batches[:4]:
            side(x)
    wall = {name: [] for name in sides}
    cpu = {name: [] for name in sides}
    rounds = {name: [] for name in sides}
    for r in range(args.rounds):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for name in order:
            times = []
            for c in range(args.calls):
                x = batches[c % len(batches)]
                w0, c0 = time.perf_counter(), time.process_time()
                [t.numpy() for t in sides[name](x)]
                times.append((time.perf_counter() - w0) * 1e3)
                cpu[name].append((time.process_time() - c0) * 1e3)
            wall[name] += times
            rounds[name].append(statistics.median(times))
    result = {
        name: {
            "wall_ms_median": statistics.median(wall[name]),
            "round_medians_ms": rounds[name],
            "cpu_ms_median": statistics.median(cpu[name]),
        }
        for name in sides
    }
    result["speedup"] = result["tensorflow"]["wall_ms_median"] / result["native"]["wall_ms_median"]
    result["speedup_per_round"] = [t / n for t, n in zip(rounds["tensorflow"], rounds["native"])]
    if "native-bf16" in sides:
        result["speedup_bf16"] = result["tensorflow"]["wall_ms_median"] / result["native-bf16"]["wall_ms_median"]
    result["max_abs_difference"] = worst
    result["settings"] = {
        **vars(args),
        "rows": int(batches[0].shape[0]),
        "threads": tf.config.threading.get_intra_op_parallelism_threads(),
    }
    for name in sides:
        s = result[name]
        rm = " ".join(f"{v:.1f}" for v in s["round_medians_ms"])
        print(f"{name:>11}: wall {s['wall_ms_median']:.1f} ms (rounds {rm}), CPU {s['cpu_ms_median']:.1f} ms")
    per_round = " ".join(f"{v:.2f}" for v in result["speedup_per_round"])
    print(f"speedup {result['speedup']:.2f}x (per round {per_round})")
    if "speedup_bf16" in result:
        print(f"speedup with bfloat16 products on AMX {result['speedup_bf16']:.2f}x")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
