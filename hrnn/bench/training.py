"""`python -m hrnn bench`: the project's training and probing against the original example in plain Keras, in one
process.

Measured side by side, on the same images, batch size and number of steps:

* training throughput, samples/s: the median over several timed windows after warm-up, for the original example's model
  written out here with plain Keras layers and `model.fit`, and for the project's own path (`hrnn.train.loop.train`,
  as the CLI and the app call it). Rounds alternate baseline and project so that a change in machine load
  affects both alike; the ratio is the number to read, absolute figures move with load;
* time from the start of a run to its first finished batch: the baseline's first fit, the project's first run
  in the process (it traces its graphs) and its second run (it reuses them, as the app's second Start does);
* `probe` latency for one image (median and p95 over many calls after warm-up), with `model.predict` beside it;
* `canvas_to_mnist` latency for a 280 x 280 drawing.
"""

import logging
import os
import platform
import time

import numpy as np

from hrnn.bench.machine import cpu_facts, describe
from hrnn.bench.timing import (
    BATCH_SIZE,
    baseline_round,
    drawn_seven,
    latency,
    original_model,
    project_round,
    round_medians,
    spread,
    window_rates,
)

log = logging.getLogger(__name__)


WARMUP_AND_WINDOW = {True: (5, 5), False: (10, 10)}  # batches, with and without --quick


def check_steps(quick, steps):
    """The number of timed batches per round; raises ValueError when there are too few to time one window."""
    warmup, window = WARMUP_AND_WINDOW[quick]
    steps = steps or (40 if quick else 160)
    if steps < warmup + window + 1:
        raise ValueError(f"--steps must be at least {warmup + window + 1} (warm-up {warmup} + one window of {window})")
    return steps, warmup, window


def _throughput(data, batch_size, steps, rounds, warmup, window, pool, baseline, report):
    """Alternating rounds of plain Keras and hrnn at `batch_size`; per side: samples/s per round and overall."""
    x = to_model_input_cached(data, steps * batch_size)
    y = data.y_train[: steps * batch_size]
    sides = {"baseline": [], "project": []}
    firsts = {"baseline": [], "project": []}
    for r in range(rounds):
        times, first = baseline_round(baseline, x, y, time.perf_counter(), batch_size)
        sides["baseline"].append(window_rates(times, warmup, window, batch_size))
        firsts["baseline"].append(first)
        times, first = project_round(data, steps, pool, batch_size)
        sides["project"].append(window_rates(times, warmup, window, batch_size))
        firsts["project"].append(first)
        report(
            f"  batch {batch_size}, round {r + 1}: plain Keras {_fmt(np.median(sides['baseline'][-1]))}, "
            f"hrnn {_fmt(np.median(sides['project'][-1]))} samples/s"
        )
    out = {}
    for side, windows in sides.items():
        pooled = [w for ws in windows for w in ws]
        out[side] = {**spread(pooled), "rounds": round_medians(windows), "windows": pooled}
    b, p = out["baseline"]["median"], out["project"]["median"]
    out["ratio"] = p / b if b and p else None
    out["first_batch_seconds"] = firsts
    return out


def _fmt(value, digits=0):
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


_INPUTS = {}


def to_model_input_cached(data, n):
    from hrnn.data.splits import to_model_input

    if n not in _INPUTS:
        _INPUTS[n] = to_model_input(data.x_train[:n])
    return _INPUTS[n]


def run_benchmark(quick=False, steps=None, json_out="bench-results.json", report=print):
    """Run the benchmark, print a table and write JSON to `json_out`; returns the results dict.

    Raises:
        ValueError: if `steps` is too small to time one window.
    """
    import keras
    import tensorflow as tf

    from hrnn.data.mnist import load_mnist
    from hrnn.data.preprocess import canvas_to_mnist
    from hrnn.data.splits import to_model_input
    from hrnn.nn.builders import build_hrnn
    from hrnn.nn.model_files import PRETRAINED_PATH, load_pretrained
    from hrnn.nn.native.op import prepare_for_training, tensorflow_path
    from hrnn.nn.probe import probe
    from hrnn.train.pool import ModelPool

    steps, warmup, window = check_steps(quick, steps)
    rounds = 1 if quick else 3
    probe_calls = 50 if quick else 300
    data = load_mnist("auto")
    if len(data.y_train) < steps * BATCH_SIZE:
        steps = len(data.y_train) // BATCH_SIZE
        check_steps(quick, steps)
    cpu = cpu_facts()
    report(f"machine: {describe(cpu)}")
    report(f"data: {data.source}")
    report(f"training: {rounds} round(s) of {steps} batches of {BATCH_SIZE} per side, alternating")
    kernel = prepare_for_training()  # before timing: the first use on a machine builds the native op
    report(f"hrnn's LSTMs: the {kernel} path (HRNN_KERNEL=0 turns the native op off)")

    keras.utils.set_random_seed(0)
    baseline = original_model()
    pool = ModelPool()
    main = _throughput(data, BATCH_SIZE, steps, rounds, warmup, window, pool, baseline, report)
    later_first = None
    if rounds == 1:  # the second run in a process is what the app's second Start sees
        _, later_first = project_round(data, warmup + window + 1, pool, BATCH_SIZE)
    else:
        later_first = main["first_batch_seconds"]["project"][1]
    larger = {}
    if not quick:  # larger batches: fewer, larger matmuls; the same number of images per round
        for batch_size in (64, 128):
            n_steps = max(warmup + window + 1, steps * BATCH_SIZE // batch_size)
            larger[str(batch_size)] = _throughput(data, batch_size, n_steps, 2, warmup, window, pool, baseline, report)

    model = load_pretrained() if PRETRAINED_PATH.is_file() else build_hrnn()
    image = to_model_input(data.x_test[:1])[0, :, :, 0]
    with tensorflow_path():  # as the app runs them: its process never loads the native op
        probe_stats = latency(lambda: probe(model, image), probe_calls)
        # What a plain Keras app calls for one image (hrnn's own `predict_batch` is a compiled function instead).
        batch = image[None, :, :, None]
        predict_stats = latency(lambda: model.predict(batch, verbose=0), max(20, probe_calls // 10))
    drawing = drawn_seven()
    canvas_stats = latency(lambda: canvas_to_mnist(drawing), max(50, probe_calls // 2))

    base, proj = main["baseline"], main["project"]
    results = {
        "machine": {
            "platform": platform.platform(),
            "processor": cpu["model"],
            "cpus": os.cpu_count(),
            "cores_usable": cpu["cores"],
            "instruction_sets": cpu["instruction_sets"],
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "gpu": [d.name for d in tf.config.list_logical_devices("GPU")],
            "date": time.strftime("%Y-%m-%d"),
        },
        "settings": {
            "quick": quick,
            "steps": steps,
            "rounds": rounds,
            "batch_size": BATCH_SIZE,
            "warmup": warmup,
            "window": window,
            "data": data.source,
        },
        "training": {
            "baseline_samples_per_second": base["median"],
            "project_samples_per_second": proj["median"],
            "ratio": main["ratio"],
            "kernel": kernel,  # hrnn's LSTMs: "native" (the ops) or "tensorflow"
            "baseline": base,
            "project": proj,
            "baseline_first_batch_seconds": main["first_batch_seconds"]["baseline"][0],
            "project_first_batch_seconds_first_run": main["first_batch_seconds"]["project"][0],
            "project_first_batch_seconds_later_run": later_first,
            "larger_batches": larger,
        },
        "probe": probe_stats,
        "predict_one_image": predict_stats,
        "canvas_to_mnist": canvas_stats,
    }

    def sps(side):
        return f"{_fmt(side['median'])} ({_fmt(side['min'])}-{_fmt(side['max'])})"

    def ratio(value):
        return "n/a" if value is None else f"{value:.2f}x"

    rows = [(f"training samples/s, batch {BATCH_SIZE}: median (min-max)", sps(base), sps(proj), ratio(main["ratio"]))]
    for batch_size, result in larger.items():
        rows.append(
            (
                f"training samples/s, batch {batch_size}",
                sps(result["baseline"]),
                sps(result["project"]),
                ratio(result["ratio"]),
            )
        )
    rows += [
        (
            "first batch, first run in process (s)",
            _fmt(results["training"]["baseline_first_batch_seconds"], 1),
            _fmt(results["training"]["project_first_batch_seconds_first_run"], 1),
            "",
        ),
        ("first batch, later run in process (s)", "", _fmt(later_first, 1), ""),
        (
            "one-image forward pass, median / p95 (ms)",
            f"{predict_stats['median_ms']:.1f} / {predict_stats['p95_ms']:.1f} (predict)",
            f"{probe_stats['median_ms']:.1f} / {probe_stats['p95_ms']:.1f} (probe)",
            "",
        ),
        (
            "canvas_to_mnist, median / p95 (ms)",
            "",
            f"{canvas_stats['median_ms']:.2f} / {canvas_stats['p95_ms']:.2f}",
            "",
        ),
    ]
    header = ("", "plain Keras", "hrnn", "ratio")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    report("")
    for row in [header] + rows:
        report("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    report(f"windows: {window} batches after {warmup} warm-up batches; spread = min-max over all windows")
    if json_out:
        from hrnn.atomic import atomic_write_json

        atomic_write_json(json_out, results)
        report(f"\nwrote {json_out}")
    return results
