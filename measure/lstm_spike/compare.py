"""Compare the spike's C++ row-reader step with hrnn's current layer, in one process, and print JSON.

    python measure/lstm_spike/build.py                                       # once
    flock -x /tmp/quiet.lock python measure/lstm_spike/compare.py --json-out spike.json

One step is what training does in the row encoder for one batch: 32 MNIST images folded into 896 rows of 28 pixels
(one pixel per step), an LSTM of 128 units with the shipped model's row-encoder weights, blank prefixes shared
(`hrnn.nn.layers.lstm_last_state_shared_prefix`), forward and backward with the gradients with respect to the
weights and the input. hrnn's side runs in a `tf.function` around a `tf.GradientTape`; the C++ side is
`lstm_step.cc` through ctypes, once per GEMM library (and with bfloat16 products where the library has them).
Both sides use 2 threads and the same batches.

First it checks that each C++ variant computes what TensorFlow computes (max abs error per output, float32, and
the error of each side against a float64 run of hrnn's function); then it times the sides in rounds, alternating
their order, and reports per side the median over every call, the spread of the per-round medians, and the ratio
of hrnn's median to each C++ median.
"""

import argparse
import ctypes
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# GNU OpenMP's threads spin for a long while at each barrier before they sleep; on a machine with more runnable
# threads than cores that costs the C++ side up to 20x (measured: 3.9 s against 0.21 s a step at a load of 25 on
# 2 cores). A short spin keeps the quiet-machine speed. Read when libgomp loads, so set before anything loads it.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, for hrnn

THREADS = 2
ROWS = COLS = 28
OUTPUTS = ("h_last", "d_inputs", "d_kernel", "d_recurrent", "d_bias")


def cpu_facts():
    """The CPU model and which of AMX and AVX512-BF16 it has, as lscpu says."""
    text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("Flags")), [])
    wanted = sorted(f for f in flags if f.startswith("amx") or f == "avx512_bf16")
    return {"model": model, "cpus": os.cpu_count(), "bf16_flags": wanted, "platform": platform.platform()}


def load_batches(count, batch, seed):
    """`count` batches of `batch` training images as the row encoder sees them: `(batch * 28, 28, 1)` floats."""
    from hrnn.data.mnist import load_mnist

    data = load_mnist("auto")
    rng = np.random.default_rng(seed)
    picks = [rng.choice(len(data.x_train), batch, replace=False) for _ in range(count)]
    rows = [(data.x_train[p].astype(np.float32) / 255.0).reshape(batch * ROWS, COLS, 1) for p in picks]
    return rows, data.in_words


def row_encoder_weights():
    """The shipped model's row-encoder weights: kernel (1, 512), recurrent kernel (128, 512), bias (512,)."""
    from hrnn.nn.model_files import load_pretrained

    cell = load_pretrained().get_layer("row_encoder").layer.cell
    return [np.asarray(w.numpy(), np.float32) for w in (cell.kernel, cell.recurrent_kernel, cell.bias)]


class TensorFlowStep:
    """hrnn's current row-encoder step, forward and backward, in a tf.function."""

    def __init__(self, weights, dtype):
        import tensorflow as tf

        from hrnn.nn.layers import lstm_last_state_shared_prefix

        self.tf = tf
        self.dtype = dtype
        self.variables = [tf.Variable(w.astype(dtype)) for w in weights]
        spec = [tf.TensorSpec((None, COLS, 1), dtype), tf.TensorSpec((None, None), dtype)]

        @tf.function(input_signature=spec)
        def step(x, dh):
            with tf.GradientTape() as tape:
                tape.watch(x)
                h = lstm_last_state_shared_prefix(x, *self.variables)
                loss = tf.reduce_sum(h * dh)
            return (h, *tape.gradient(loss, [x, *self.variables]))

        self.step = step

    def __call__(self, x, dh):
        return self.step(self.tf.constant(x.astype(self.dtype)), self.tf.constant(dh.astype(self.dtype)))

    def outputs(self, x, dh):
        """The five outputs as numpy arrays."""
        return [t.numpy() for t in self(x, dh)]


class CppStep:
    """`lstm_step.cc` built against one library; `bf16` selects bfloat16 products."""

    def __init__(self, library, weights, bf16, rows):
        self.lib = ctypes.CDLL(library)
        self.lib.spike_step.restype = ctypes.c_int
        self.bf16 = int(bf16)
        self.kernel, self.recurrent, self.bias = (np.ascontiguousarray(w) for w in weights)
        self.units = self.recurrent.shape[0]
        self.out = [
            np.zeros((rows, self.units), np.float32),
            np.zeros((rows, COLS, 1), np.float32),
            np.zeros_like(self.kernel),
            np.zeros_like(self.recurrent),
            np.zeros_like(self.bias),
        ]

    def __call__(self, x, dh):
        pointer = ctypes.c_void_p
        args = [x, self.kernel, self.recurrent, self.bias, dh, *self.out]
        status = self.lib.spike_step(
            ctypes.c_int(x.shape[0]),
            ctypes.c_int(x.shape[1]),
            ctypes.c_int(x.shape[2]),
            ctypes.c_int(self.units),
            *(pointer(a.ctypes.data) for a in args),
            ctypes.c_int(self.bf16),
            ctypes.c_int(THREADS),
        )
        if status != 0:
            raise RuntimeError(f"spike_step returned {status}")
        return self.out

    def outputs(self, x, dh):
        """The five outputs as (copied) numpy arrays."""
        return [a.copy() for a in self(x, dh)]


def errors(got, reference):
    """Per output: the max abs error, the reference's max abs value, and the relative error in the 2-norm."""
    result = {}
    for name, g, r in zip(OUTPUTS, got, reference, strict=True):
        g, r = np.asarray(g, np.float64), np.asarray(r, np.float64)
        result[name] = {
            "max_abs_error": float(np.max(np.abs(g - r))),
            "reference_max_abs": float(np.max(np.abs(r))),
            "relative_error": float(np.linalg.norm(g - r) / max(np.linalg.norm(r), 1e-300)),
        }
    return result


def worst(per_batch):
    """The worst of each figure over the batches."""
    return {name: {key: max(b[name][key] for b in per_batch) for key in per_batch[0][name]} for name in per_batch[0]}


def check(sides, batches, upstream):
    """Each side's outputs against hrnn's float32 function and against its float64 run, worst over the batches."""
    tf32, tf64 = sides["tensorflow"], sides["tensorflow_float64"]
    report = {}
    references = [(tf32.outputs(x, dh), tf64.outputs(x, dh)) for x, dh in zip(batches, upstream, strict=True)]
    for name, side in sides.items():
        if name == "tensorflow_float64":
            continue
        runs = [side.outputs(x, dh) for x, dh in zip(batches, upstream, strict=True)]
        report[name] = {
            "vs_tensorflow_float32": worst([errors(o, r32) for o, (r32, _) in zip(runs, references, strict=True)]),
            "vs_float64": worst([errors(o, r64) for o, (_, r64) in zip(runs, references, strict=True)]),
        }
    return report


def time_sides(sides, batches, upstream, rounds, calls, warmup):
    """Per side, every call's seconds by round, and every call's CPU seconds (all of the process's threads); the
    order of the sides rotates from round to round."""
    names = list(sides)
    for name in names:
        for i in range(warmup):
            sides[name](batches[i % len(batches)], upstream[i % len(batches)])
    seconds = {name: [] for name in names}
    cpu_seconds = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times, cpu = [], []
            for i in range(calls):
                x, dh = batches[i % len(batches)], upstream[i % len(batches)]
                start, start_cpu = time.perf_counter(), time.process_time()
                sides[name](x, dh)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            seconds[name].append(times)
            cpu_seconds[name].extend(cpu)
    return seconds, cpu_seconds


def summary(seconds, cpu_seconds, baseline="tensorflow"):
    """Median ms over every call, the per-round medians' range, each side's ratio to the baseline, and the median
    CPU ms a call (the work, whatever else the machine runs; spinning threads count too)."""
    base_rounds = [statistics.median(r) for r in seconds[baseline]]
    base = statistics.median([t for r in seconds[baseline] for t in r])
    result = {}
    for name, rounds in seconds.items():
        every = [t for r in rounds for t in r]
        per_round = [statistics.median(r) for r in rounds]
        ratios = [b / p for b, p in zip(base_rounds, per_round, strict=True)]
        result[name] = {
            "median_ms": round(1e3 * statistics.median(every), 3),
            "round_medians_ms": [round(1e3 * m, 3) for m in per_round],
            "min_ms": round(1e3 * min(every), 3),
            "max_ms": round(1e3 * max(every), 3),
            "speedup_vs_tensorflow": round(base / statistics.median(every), 3),
            "speedup_per_round_min_max": [round(min(ratios), 3), round(max(ratios), 3)],
            "cpu_median_ms": round(1e3 * statistics.median(cpu_seconds[name]), 3),
        }
    return result


def main():
    global THREADS  # noqa: PLW0603 (the C++ calls read it)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32, help="images per step (default 32: 896 rows)")
    parser.add_argument("--batches", type=int, default=8, help="distinct batches, used in turn (default 8)")
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (default 7)")
    parser.add_argument("--calls", type=int, default=16, help="timed calls per side per round (default 16)")
    parser.add_argument("--warmup", type=int, default=4, help="untimed calls per side first (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="picks the batches and the upstream gradient")
    parser.add_argument("--variants", nargs="*", default=["eigen", "mkl", "dnnl"], help="C++ builds to compare")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads for both sides (default 2)")
    parser.add_argument("--json-out", help="also write the JSON here")
    args = parser.parse_args()
    THREADS = args.threads

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    batches, data = load_batches(args.batches, args.batch, args.seed)
    weights = row_encoder_weights()
    units = weights[1].shape[0]
    rng = np.random.default_rng(args.seed + 1)
    upstream = [rng.normal(0.0, 0.01, (len(x), units)).astype(np.float32) for x in batches]

    rows = len(batches[0])
    sides = {"tensorflow": TensorFlowStep(weights, np.float32)}
    for variant in args.variants:
        library = HERE / "build" / f"lstm_step_{variant}.so"
        sides[f"{variant}_float32"] = CppStep(str(library), weights, False, rows)
        if variant == "mkl":  # the one library here with a bfloat16 GEMM in its plain API
            sides["mkl_bfloat16"] = CppStep(str(library), weights, True, rows)
    checks = check({**sides, "tensorflow_float64": TensorFlowStep(weights, np.float64)}, batches, upstream)

    load_before = os.getloadavg()
    seconds, cpu_seconds = time_sides(sides, batches, upstream, args.rounds, args.calls, args.warmup)
    active = [int(np.sum(np.any(x != 0, axis=2).any(axis=1))) for x in batches]
    report = {
        "what": "row-encoder step (shared blank prefixes), forward + backward, hrnn's TensorFlow layer vs C++",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu": cpu_facts(),
        "tensorflow": tf.__version__,
        "threads": THREADS,
        "gomp_spincount": os.environ["GOMP_SPINCOUNT"],
        "load_average_before_after": [round(v, 2) for v in (*load_before[:1], *os.getloadavg()[:1])],
        "shape": {"rows": rows, "steps": COLS, "features": 1, "units": units, "images": args.batch},
        "data": data,
        "rows_with_ink_per_batch": active,
        "settings": {k: getattr(args, k) for k in ("batches", "rounds", "calls", "warmup", "seed", "variants")},
        "check": checks,
        "timing": summary(seconds, cpu_seconds),
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")


if __name__ == "__main__":
    main()
