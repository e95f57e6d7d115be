"""`python -m hrnn bench --demo`: how fast a preset (the one-click demo by default, `--preset fast`, ...) learns,
against the original example's settings.

Each preset trains headless through `hrnn.train.loop.train` (the path the app and the CLI use) on the data that
`load_mnist` finds. A callback evaluates a fixed stratified held-out set (up to 2,000 test images, never trained
on) every `every` images seen, and notes the images seen and the seconds taken (training time: the monitor's own
evaluations are not counted) when held-out accuracy first reaches 80%, 90%, 95% and 98%. At the end the trained
model is scored on the whole test set. The original example's settings are run for the same number of images, as
the reference.
"""

import math
import time
from dataclasses import asdict, replace

import keras
import numpy as np

from hrnn.bench.machine import cpu_facts, describe
from hrnn.bounds import one_of
from hrnn.data.splits import held_out_count, stratified_indices, to_model_input
from hrnn.train.config import ORIGINAL, PRESETS, preset_config, with_overrides

THRESHOLDS = (0.8, 0.9, 0.95, 0.98)
MONITOR_IMAGES = 2000  # the held-out set: a stratified subset of the test set (all of it if smaller)
EVERY = 1000  # images seen between two evaluations of the held-out set


class AccuracyMonitor(keras.callbacks.Callback):
    """Evaluates `(x, y)` every `every` images seen; stops training once `cap` images have been seen.

    `n_train` (the images per epoch) makes the count exact for an epoch's last, smaller batch."""

    def __init__(self, x, y, batch_size, n_train, every=EVERY, cap=None):
        super().__init__()
        self.x, self.y, self.batch_size, self.n_train, self.every, self.cap = x, y, batch_size, n_train, every, cap
        self.points = []  # (images seen, training seconds, held-out accuracy)
        self.seen = 0
        self.eval_seconds = 0.0
        self.started = None
        self.trained_seconds = None  # training seconds when training ended (`on_train_end`)
        self.next_eval = every

    def training_seconds(self):
        return time.perf_counter() - self.started - self.eval_seconds

    def _evaluate(self):
        begun = time.perf_counter()
        probs = self.model.predict(self.x, batch_size=500, verbose=0)
        accuracy = float(np.mean(np.argmax(probs, axis=1) == self.y))
        self.eval_seconds += time.perf_counter() - begun
        self.points.append((self.seen, round(self.training_seconds(), 2), accuracy))

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.seen += min(self.batch_size, self.n_train - batch * self.batch_size)
        if self.cap is not None and self.seen >= self.cap:
            self.model.stop_training = True
        if self.seen >= self.next_eval:
            self._evaluate()
            self.next_eval += self.every

    def on_train_end(self, logs=None):
        self.trained_seconds = self.training_seconds()  # before the run's final test, which is no training
        if not self.points or self.points[-1][0] != self.seen:
            self._evaluate()

    def summary(self, total_seconds):
        """The result for one preset, in the JSON shape `bench --demo` writes."""

        def first(index):
            return {str(t): next((p[index] for p in self.points if p[2] >= t), None) for t in THRESHOLDS}

        return {
            "samples_to_accuracy": first(0),
            "seconds_to_accuracy": first(1),
            "final_accuracy": self.points[-1][2],
            "samples": self.seen,
            "seconds": round(total_seconds, 2),
            "curve": [list(p) for p in self.points],
        }


def monitor_set(data, size=MONITOR_IMAGES):
    """A fixed stratified held-out set: `(images (n, 28, 28, 1), labels (n,))` from the test set."""
    n = min(size, len(data.y_test))
    idx = stratified_indices(data.y_test, n, np.random.default_rng(0))
    return to_model_input(data.x_test[idx]), np.asarray(data.y_test[idx], np.int64)


def _run(config, data, x, y, cap):
    from hrnn.train.loop import train
    from hrnn.train.pool import ModelPool

    n_train = config.train_size or len(data.y_train) - held_out_count(len(data.y_train), config)
    monitor = AccuracyMonitor(x, y, config.batch_size, n_train, cap=cap)
    record = train(config, data, pool=ModelPool(), callbacks=[monitor]).record
    return {
        **monitor.summary(monitor.trained_seconds),
        "test_accuracy": record.test_accuracy,
        "test_images": record.test_images,
        "kernel": record.kernel,  # the LSTMs' path: "native" or "tensorflow"
        "preset": asdict(config),
    }


def run_demo_benchmark(data, json_out=None, report=print, settings=(), reference=True, preset="demo"):
    """Train the preset named `preset` (a key of `PRESETS`, fitted to the data by `preset_config`, with `settings`
    overriding it, see `with_overrides`; scored on the whole test set at the end), then, if `reference`, the
    original example's settings for as many images; return the results dict
    `{"machine", "data", "monitor_images", "preset": name, <name>: {...}, "original": {...}}` and write it to
    `json_out` if given."""
    one_of(preset, tuple(PRESETS), "preset")
    n_available = len(data.y_train) - held_out_count(len(data.y_train), ORIGINAL)
    demo = with_overrides(replace(preset_config(preset, n_available), test_limit=None), settings)
    x, y = monitor_set(data)
    cpu = cpu_facts()
    report(f"machine: {describe(cpu)}")
    report(f"data: {data.source}")
    report(f"held-out monitor: {len(y):,} test images, evaluated every {EVERY:,} images seen")
    per_epoch = demo.train_size or n_available
    samples = per_epoch * demo.epochs
    report(f"{preset}: {demo.epochs} epochs of {per_epoch:,} images ({samples:,} images seen)")
    results = {
        "machine": {**cpu, "date": time.strftime("%Y-%m-%d")},
        "data": data.source,
        "monitor_images": int(len(y)),
        "preset": preset,
    }
    results[preset] = _run(demo, data, x, y, cap=None)
    _report(report, preset, results[preset])
    if not reference or preset == "original":
        return _write(results, json_out, report)
    # Same learning settings as the example; only how often it is evaluated follows the demo (no effect on learning).
    epochs = max(1, math.ceil(samples / n_available))
    original = replace(ORIGINAL, epochs=epochs, val_limit=demo.val_limit, test_limit=demo.test_limit)
    report(f"the original example's settings, capped at {samples:,} images")
    results["original"] = _run(original, data, x, y, cap=samples)
    _report(report, "original", results["original"])
    return _write(results, json_out, report)


def _write(results, json_out, report):
    if json_out:
        from hrnn.atomic import atomic_write_json

        atomic_write_json(json_out, results)
        report(f"wrote {json_out}")
    return results


def _report(report, name, result):
    reached = ", ".join(
        f"{float(t):.0%} after {n:,} images ({result['seconds_to_accuracy'][t]:.0f} s)"
        if n is not None
        else f"{float(t):.0%} not reached"
        for t, n in result["samples_to_accuracy"].items()
    )
    test = (
        f"; test accuracy {result['test_accuracy']:.2%} on {result['test_images']:,} images"
        if result.get("test_accuracy") is not None
        else ""
    )
    report(
        f"  {name}: {reached}; final {result['final_accuracy']:.1%} after {result['samples']:,} images, "
        f"{result['seconds']:.0f} s{test}"
    )
