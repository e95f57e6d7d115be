"""`python -m hrnn bench`: the project's training and probing against the seed's plain Keras, in one process.

Measured side by side, on the same images, batch size and number of steps:

* training throughput, samples/s: the median over several timed windows after warm-up, for the seed's model
  written out here with plain Keras layers and `model.fit`, and for the project's own path (`hrnn.training.train`,
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

log = logging.getLogger(__name__)

BATCH_SIZE = 32


def _windows(times, warmup, window, batch_size=BATCH_SIZE):
    """Samples/s over consecutive windows of `window` batches, from batch end times, skipping `warmup` batches."""
    times = np.asarray(times[warmup:], dtype=np.float64)
    return [window * batch_size / (times[i + window] - times[i]) for i in range(0, len(times) - window, window)]


def _seed_model():
    """The seed's model exactly as the Keras example writes it: TimeDistributed(LSTM) -> LSTM -> Dense."""
    import keras

    image = keras.Input(shape=(28, 28, 1))
    encoded_rows = keras.layers.TimeDistributed(keras.layers.LSTM(128))(image)
    encoded_columns = keras.layers.LSTM(128)(encoded_rows)
    prediction = keras.layers.Dense(10, activation="softmax")(encoded_columns)
    model = keras.Model(image, prediction)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def _baseline_round(model, x, y, started):
    """One `fit` of the seed's model over x; returns batch end times (perf_counter) and the first-batch delay."""
    import keras

    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter())

    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, shuffle=True, verbose=0, callbacks=[Clock()])
    return times, times[0] - started


def _project_round(data, steps, pool):
    """One run of the project's training path; returns batch end times and the first-batch delay."""
    from hrnn.training import Progress, TrainConfig, train

    class ClockedProgress(Progress):
        def __init__(self):
            super().__init__()
            self.times = []

        def add_batch(self, step, loss, accuracy):
            self.times.append(time.perf_counter())
            super().add_batch(step, loss, accuracy)

    progress = ClockedProgress()
    config = TrainConfig(epochs=1, train_size=steps * BATCH_SIZE, validation="none", test_limit=0)
    train(config, data, progress=progress, pool=pool)
    return progress.times, progress.snapshot().first_batch_seconds


def _latency(fn, calls, warmup=5):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return {"median_ms": float(np.median(samples)), "p95_ms": float(np.percentile(samples, 95)), "calls": calls}


def _drawing():
    """A 280 x 280 RGBA canvas with a drawn '7', transparent background, as the canvas component returns it."""
    from PIL import Image, ImageDraw

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    pen = ImageDraw.Draw(canvas)
    pen.line([(70, 60), (210, 60), (120, 230)], fill=(255, 255, 255, 255), width=22, joint="curve")
    return np.asarray(canvas)


def run_benchmark(quick=False, steps=None, json_out="bench-results.json"):
    """Run the benchmark, print a table and write JSON to `json_out`; returns the results dict."""
    import keras
    import tensorflow as tf

    from hrnn.data import load_mnist
    from hrnn.model import PRETRAINED_PATH, build_hrnn, load_pretrained
    from hrnn.preprocess import canvas_to_mnist
    from hrnn.probe import predict_batch, probe
    from hrnn.training import ModelPool, to_model_input

    steps = steps or (40 if quick else 160)
    rounds = 1 if quick else 2
    warmup = 5 if quick else 10
    window = 5 if quick else 10
    probe_calls = 50 if quick else 300
    data = load_mnist("auto")
    x = to_model_input(data.x_train[: steps * BATCH_SIZE])
    y = data.y_train[: steps * BATCH_SIZE]
    print(f"data: {data.source}", flush=True)
    print(f"training: {rounds} round(s) of {steps} batches of {BATCH_SIZE} per side", flush=True)

    keras.utils.set_random_seed(0)
    baseline = _seed_model()
    pool = ModelPool()
    base_windows, proj_windows, base_first, proj_first = [], [], [], []
    for r in range(rounds):
        times, first = _baseline_round(baseline, x, y, time.perf_counter())
        base_windows += _windows(times, warmup, window)
        base_first.append(first)
        print(f"  round {r + 1}: baseline {np.median(_windows(times, warmup, window)):.0f} samples/s", flush=True)
        times, first = _project_round(data, steps, pool)
        proj_windows += _windows(times, warmup, window)
        proj_first.append(first)
        print(f"  round {r + 1}: project  {np.median(_windows(times, warmup, window)):.0f} samples/s", flush=True)
    if rounds == 1:  # the second run in a process is what the app's second Start sees
        _, first = _project_round(data, warmup + window + 1, pool)
        proj_first.append(first)

    model = load_pretrained() if PRETRAINED_PATH.is_file() else build_hrnn()
    image = to_model_input(data.x_test[:1])[0, :, :, 0]
    probe_stats = _latency(lambda: probe(model, image), probe_calls)
    predict_stats = _latency(lambda: predict_batch(model, image[None, :, :, None]), max(20, probe_calls // 10))
    drawing = _drawing()
    canvas_stats = _latency(lambda: canvas_to_mnist(drawing), max(50, probe_calls // 2))

    base_sps, proj_sps = float(np.median(base_windows)), float(np.median(proj_windows))
    results = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "gpu": [d.name for d in tf.config.list_logical_devices("GPU")],
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
            "baseline_samples_per_second": base_sps,
            "project_samples_per_second": proj_sps,
            "ratio": proj_sps / base_sps,
            "baseline_windows": base_windows,
            "project_windows": proj_windows,
            "baseline_first_batch_seconds": base_first[0],
            "project_first_batch_seconds_first_run": proj_first[0],
            "project_first_batch_seconds_later_run": proj_first[1],
        },
        "probe": probe_stats,
        "predict_one_image": predict_stats,
        "canvas_to_mnist": canvas_stats,
    }
    rows = [
        ("training samples/s (median of windows)", f"{base_sps:.0f}", f"{proj_sps:.0f}", f"{proj_sps / base_sps:.2f}x"),
        ("first batch, first run in process (s)", f"{base_first[0]:.1f}", f"{proj_first[0]:.1f}", ""),
        ("first batch, later run in process (s)", "", f"{proj_first[1]:.1f}", ""),
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
    widths = [max(len(r[i]) for r in rows + [("", "plain Keras", "hrnn", "ratio")]) for i in range(4)]
    header = ("", "plain Keras", "hrnn", "ratio")
    print()
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    if json_out:
        from hrnn.runs import atomic_write_json

        atomic_write_json(json_out, results)
        print(f"\nwrote {json_out}")
    return results
