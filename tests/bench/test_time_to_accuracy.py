"""Time to accuracy: the monitor's bookkeeping, the held-out set, the demo preset and its overrides."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from hrnn.bench.demo import AccuracyMonitor, monitor_set, run_demo_benchmark
from hrnn.train.config import DEMO, DEMO_SAMPLES, ORIGINAL, TrainConfig, demo_config, with_overrides


class _Model:
    """Stands in for a Keras model: predicts the true label for the first `right` images, a wrong one after."""

    def __init__(self, y, right):
        self.y, self.right, self.stop_training = y, right, False

    def predict(self, x, batch_size, verbose):
        wrong = (self.y + 1) % 10
        labels = np.where(np.arange(len(self.y)) < self.right, self.y, wrong)
        return np.eye(10)[labels]


def test_monitor_notes_the_first_point_at_or_above_each_threshold():
    y = np.arange(100) % 10
    monitor = AccuracyMonitor(np.zeros((100, 28, 28, 1)), y, batch_size=50, n_train=1000, every=100)
    model = _Model(y, right=0)
    monitor.set_model(model)
    monitor.on_train_begin()
    for right in (50, 85, 91, 93, 96, 98):  # accuracy after each 100 images
        model.right = right
        monitor.on_train_batch_end(0)
        monitor.on_train_batch_end(1)
    monitor.on_train_end()
    result = monitor.summary(total_seconds=12.0)
    assert result["samples_to_accuracy"] == {"0.8": 200, "0.9": 300, "0.95": 500, "0.98": 600}
    assert result["final_accuracy"] == 0.98 and result["samples"] == 600 and result["seconds"] == 12.0
    assert [p[0] for p in result["curve"]] == [100, 200, 300, 400, 500, 600]  # no extra point at the end
    assert all(s is not None for s in result["seconds_to_accuracy"].values())


def test_monitor_reports_none_for_an_accuracy_never_reached_and_stops_at_the_cap():
    y = np.arange(20) % 10
    monitor = AccuracyMonitor(np.zeros((20, 28, 28, 1)), y, batch_size=32, n_train=1000, every=1000, cap=64)
    model = _Model(y, right=17)
    monitor.set_model(model)
    monitor.on_train_begin()
    monitor.on_train_batch_end(0)
    assert not model.stop_training
    monitor.on_train_batch_end(1)
    assert model.stop_training  # 64 images seen
    monitor.on_train_end()  # evaluates once at the end: no point was due before
    result = monitor.summary(total_seconds=1.0)
    assert result["samples_to_accuracy"] == {"0.8": 64, "0.9": None, "0.95": None, "0.98": None}
    assert result["final_accuracy"] == pytest.approx(0.85)


def test_the_monitor_set_is_stratified_and_comes_from_the_test_images(tiny_data):
    x, y = monitor_set(tiny_data, size=40)
    assert x.shape == (40, 28, 28, 1) and x.dtype == np.float32 and x.max() <= 1.0
    assert np.bincount(y, minlength=10).tolist() == [4] * 10
    test_rows = {row.tobytes() for row in tiny_data.x_test}
    assert all(np.round(image[..., 0] * 255).astype(np.uint8).tobytes() in test_rows for image in x)


def test_the_demo_sees_about_the_same_number_of_images_whatever_the_data():
    full, sample = demo_config(55_000), demo_config(3_600)
    assert full.train_size == 10_000 and full.epochs * full.train_size == DEMO_SAMPLES
    assert sample.train_size == 3_600 and abs(sample.epochs * sample.train_size - DEMO_SAMPLES) <= 3_600 / 2
    assert demo_config(50).train_size == 50  # never more than there is
    for config in (full, sample):
        assert (config.optimizer, config.schedule, config.clipnorm) == ("adam", "cosine", 1.0)
        config.check()


def test_the_original_preset_is_the_keras_examples_settings():
    assert ORIGINAL == TrainConfig()
    assert (ORIGINAL.optimizer, ORIGINAL.learning_rate, ORIGINAL.batch_size, ORIGINAL.epochs) == (
        "rmsprop",
        1e-3,
        32,
        5,
    )
    assert (ORIGINAL.row_input_scale, ORIGINAL.forget_bias, ORIGINAL.clipnorm) == (1.0, 1.0, None)


def test_overrides_are_typed_and_checked():
    changed = with_overrides(DEMO, ["learning_rate=0.003", "clipnorm=none", "batch-size=64", "optimizer=rmsprop"])
    assert (changed.learning_rate, changed.clipnorm, changed.batch_size, changed.optimizer) == (
        0.003,
        None,
        64,
        "rmsprop",
    )
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        with_overrides(DEMO, ["units=5"])
    with pytest.raises(ValueError, match="learning-rate must be a number between 0 and 10, got 'fast'"):
        with_overrides(DEMO, ["learning_rate=fast"])
    with pytest.raises(ValueError, match="batch-size must be a positive integer, got '6.5'"):
        with_overrides(DEMO, ["batch_size=6.5"])  # read as its field's type, not guessed
    with pytest.raises(ValueError, match="optimizer must be one of rmsprop, adam, sgd, adamw, nadam, got 'fast'"):
        with_overrides(DEMO, ["optimizer=fast"])


class _Learner(_Model):
    """A model that reads right a share `rate * images seen` (at most all) of the monitor's images."""

    def __init__(self, monitor, rate):
        super().__init__(monitor.y, right=0)
        self.monitor, self.rate = monitor, rate

    def predict(self, x, batch_size, verbose):
        self.right = int(len(self.y) * min(1.0, self.monitor.seen * self.rate))
        return super().predict(x, batch_size, verbose)


def test_the_demo_benchmark_reports_what_each_run_reached(tiny_data, monkeypatch):
    """Training replaced by learners of known speed: the preset reads 1 image in 4,000 right per image seen, the
    original settings 1 in 8,000; so every figure the benchmark reports is known in advance."""
    monkeypatch.setattr("hrnn.train.config.DEMO_SAMPLES", 3600)  # 20 passes over the 180 synthetic images
    trained = []

    def train(config, data, pool, callbacks):
        (monitor,) = callbacks
        monitor.set_model(_Learner(monitor, rate=1 / 4000 if not trained else 1 / 8000))
        monitor.on_train_begin()
        batches = -(-monitor.n_train // config.batch_size)
        for batch in (b for _ in range(config.epochs) for b in range(batches)):
            monitor.on_train_batch_end(batch)
            if monitor.model.stop_training:
                break
        monitor.on_train_end()
        trained.append(config)
        return SimpleNamespace(record=SimpleNamespace(test_accuracy=0.5, test_images=len(data.y_test), kernel="native"))

    monkeypatch.setattr("hrnn.train.loop.train", train)
    results = run_demo_benchmark(tiny_data, report=lambda line: None, settings=["batch_size=20"])
    demo, original = results["demo"], results["original"]
    assert demo["kernel"] == original["kernel"] == "native"  # which LSTM path trained, from the run's record
    assert [p[0] for p in demo["curve"]] == [1000, 2000, 3000, 3600]  # every 1,000 images seen, and at the end
    assert [p[2] for p in demo["curve"]] == [0.25, 0.5, 0.75, 0.9]
    assert demo["samples_to_accuracy"] == {"0.8": 3600, "0.9": 3600, "0.95": None, "0.98": None}
    assert demo["seconds_to_accuracy"]["0.8"] == demo["curve"][-1][1] and demo["seconds_to_accuracy"]["0.95"] is None
    assert (demo["final_accuracy"], demo["samples"], demo["test_accuracy"], demo["test_images"]) == (0.9, 3600, 0.5, 60)
    # The original settings, for as many images as the preset saw: 20 passes, stopped at 3,600 images.
    assert (trained[1].optimizer, trained[1].learning_rate, trained[1].batch_size) == ("rmsprop", 1e-3, 32)
    assert trained[1].epochs == 20 and original["samples"] == 3600
    assert original["final_accuracy"] == 0.45 and set(original["samples_to_accuracy"].values()) == {None}
    assert results["monitor_images"] == 60 and results["preset"] == "demo"


def test_a_tiny_demo_benchmark_writes_both_results(tiny_data, tmp_path, monkeypatch):
    monkeypatch.setattr("hrnn.train.config.DEMO_SAMPLES", 360)  # 2 epochs of the 180 synthetic images
    trained = []  # (the model, images seen) of each run, as training ended

    class Watched(AccuracyMonitor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "every": 90})  # points along the way, not only at the end

        def on_train_end(self, logs=None):
            super().on_train_end(logs)
            trained.append((self.model, self.seen))

    monkeypatch.setattr("hrnn.bench.demo.AccuracyMonitor", Watched)
    lines = []
    results = run_demo_benchmark(
        tiny_data,
        json_out=tmp_path / "demo.json",
        report=lines.append,
        settings=["row_units=8", "image_units=8", "val_limit=20", "test_limit=20"],
    )
    assert (tmp_path / "demo.json").is_file()
    x, y = monitor_set(tiny_data)
    for name, (model, seen) in zip(("demo", "original"), trained, strict=True):
        result = results[name]
        # The final accuracy is the trained model's on the held-out monitor set, measured here independently.
        accuracy = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))
        assert result["final_accuracy"] == pytest.approx(accuracy) and result["samples"] == seen
        curve = result["curve"]
        assert len(curve) >= 4 and curve[-1][0] == seen and curve[-1][2] == result["final_accuracy"]
        assert [p[0] for p in curve] == sorted({p[0] for p in curve})  # one point per evaluation, in order
        # Each threshold's figures are those of the first point of the curve at or above it, None if none is.
        for threshold in ("0.8", "0.9", "0.95", "0.98"):
            first = next((p for p in curve if p[2] >= float(threshold)), None)
            assert result["samples_to_accuracy"][threshold] == (first and first[0])
            assert result["seconds_to_accuracy"][threshold] == (first and first[1])
        assert 0 < curve[-1][1] <= result["seconds"]
    assert results["demo"]["samples"] == 2 * 180
    assert results["preset"] == "demo" and results["demo"]["test_images"] == 20  # --set test_limit=20 wins
    assert results["original"]["samples"] == 360  # capped at the demo's images
    assert results["original"]["preset"]["optimizer"] == "rmsprop"
    assert any(line.startswith("  demo:") for line in lines)
    assert lines[0].startswith("machine: ") and results["machine"]["model"] in lines[0]  # figures name their CPU
    assert json.loads((tmp_path / "demo.json").read_text())["machine"]["instruction_sets"] is not None


def test_the_preset_benchmark_trains_the_named_preset_and_refuses_an_unknown_one(tiny_data):
    from hrnn.train.config import FAST

    results = run_demo_benchmark(
        tiny_data,
        report=lambda line: None,
        preset="fast",
        reference=False,
        settings=["row_units=8", "image_units=8", "epochs=2"],  # its passes on 180 images: 20, more than a test needs
    )
    assert results["preset"] == "fast" and "original" not in results
    assert results["fast"]["samples"] == 180 * 2  # all the training images in each pass, as the preset says
    assert results["fast"]["preset"]["batch_size"] == FAST.batch_size
    assert results["fast"]["test_images"] == 60  # scored on every test image at the end
    with pytest.raises(ValueError, match="preset must be one of demo, fast, original, got 'quick'"):
        run_demo_benchmark(tiny_data, report=lambda line: None, preset="quick")
