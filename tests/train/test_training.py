"""The training loop: data preparation, the run record, stopping, failures, progress and model reuse.

Runs in worker processes are specified in tests/test_worker.py."""

import json
import threading
from dataclasses import replace

import numpy as np
import pytest

from hrnn import runs
from hrnn.data.splits import grid_indices, prepare_data, stratified_indices
from hrnn.nn.model_files import load_model
from hrnn.runs.launch.worker import train_in_folder
from hrnn.train import limits
from hrnn.train.config import TrainConfig
from hrnn.train.loop import train
from hrnn.train.pool import ModelPool
from hrnn.train.progress import Progress
from hrnn.train.tracker import Tracker
from hrnn.words import outcome_words, trained_words

TINY = dict(epochs=1, batch_size=32, row_units=8, image_units=8, val_size=50)


def test_default_config_is_the_seeds():
    config = TrainConfig()
    assert (config.epochs, config.batch_size, config.row_units, config.image_units) == (5, 32, 128, 128)
    assert (config.optimizer, config.learning_rate, config.schedule) == ("rmsprop", 1e-3, "constant")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("epochs", 0, "epochs must be a positive integer"),
        ("epochs", -3, "epochs must be a positive integer"),
        ("batch_size", 2.5, "batch-size must be a positive integer"),
        ("optimizer", "adagrad", "optimizer must be one of rmsprop, adam, sgd, adamw, nadam, got 'adagrad'"),
        ("learning_rate", 0.0, "learning-rate must be a number between 0 and 10, got 0.0"),
        ("learning_rate", float("nan"), "learning-rate must be a number between 0 and 10"),
        ("validation", "train", "validation must be one of split, test, none"),
        ("train_size", 0, "train-size must be a positive integer"),
        ("epochs", 1001, r"epochs must be at most 1,000 \(far past where MNIST stops improving"),
        ("batch_size", 60_001, r"batch-size must be at most 60,000 \(MNIST's whole training set"),
        ("seed", -5, "seed must be an integer from 0 to 4,294,967,295, got -5"),
        ("seed", 2**66, "seed must be an integer from 0 to 4,294,967,295"),
    ],
)
def test_invalid_config_is_refused_with_a_message(field, value, message, monkeypatch):
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 10**15)  # the fixed bounds, not the memory check
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value}).check()


def test_stratified_indices_keep_class_proportions():
    labels = np.repeat(np.arange(10), [100, 200, 100, 100, 100, 100, 100, 100, 100, 100])
    idx = stratified_indices(labels, 110, np.random.default_rng(0))
    assert len(idx) == len(set(idx)) == 110
    counts = np.bincount(labels[idx], minlength=10)
    assert counts[1] == 20 and (np.delete(counts, 1) == 10).all()


def test_split_validation_is_held_out_of_training(tiny_data):
    prepared = prepare_data(TrainConfig(**TINY), tiny_data)
    assert len(prepared.y_val) == 20  # min(val_size, 10% of 200)
    assert len(prepared.y_train) == 180
    assert prepared.x_train.shape == (180, 28, 28, 1) and prepared.x_train.dtype == np.float32
    assert 0.0 <= prepared.x_train.min() and prepared.x_train.max() <= 1.0
    train_rows = {x.tobytes() for x in prepared.x_train}
    assert not any(x.tobytes() in train_rows for x in prepared.x_val)


def test_test_validation_is_the_original_examples_protocol(tiny_data):
    prepared = prepare_data(TrainConfig(**{**TINY, "validation": "test"}), tiny_data)
    assert len(prepared.y_train) == 200
    np.testing.assert_array_equal(prepared.y_val, tiny_data.y_test)


def test_train_size_larger_than_available_is_refused(tiny_data):
    with pytest.raises(ValueError, match="more than the 180 training images"):
        prepare_data(TrainConfig(**{**TINY, "train_size": 500}), tiny_data)


def test_one_epoch_writes_a_loadable_model_and_a_complete_record(tiny_data, tmp_path):
    run_dir = tmp_path / "run"
    result = train_in_folder(TrainConfig(**TINY), tiny_data, run_dir, keep_model=True)
    record = json.loads((run_dir / runs.RECORD_NAME).read_text())
    assert record["status"] == "finished"
    assert record["config"]["epochs"] == 1 and record["config"]["row_units"] == 8
    assert "synthetic test data" in record["data"]
    assert set(record["versions"]) >= {"tensorflow", "keras", "python", "numpy"}
    assert record["wall_seconds"] > 0 and record["samples_per_second"] > 0
    (epoch,) = record["history"]["epochs"]
    assert set(epoch) >= {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    assert len(record["history"]["batches"]["loss"]) == 6  # ceil(180 / 32)
    assert 0.0 <= record["test_accuracy"] <= 1.0 and record["test_images"] == 60
    model = load_model(run_dir / runs.MODEL_NAME)
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), result.model.predict(x, verbose=0), atol=1e-6)
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]


def test_batch_values_are_each_batchs_own_and_average_to_the_epoch(tiny_data):
    progress = Progress()
    train(TrainConfig(**TINY), tiny_data, progress=progress)
    snap = progress.snapshot()
    sizes = np.array([32] * 5 + [180 - 160])
    weighted = float(np.dot(snap.batch_loss, sizes) / sizes.sum())
    assert weighted == pytest.approx(snap.epoch_history[0].loss, rel=1e-4)
    assert len(set(np.round(snap.batch_loss, 6))) > 1  # raw values, not one running mean


def test_training_learns_the_synthetic_digits(tiny_data):
    config = TrainConfig(
        epochs=4, batch_size=16, row_units=16, image_units=16, optimizer="adam", learning_rate=5e-3, validation="none"
    )
    result = train(config, tiny_data)
    assert result.record.test_accuracy > 0.5  # chance is 0.1


def test_stop_ends_within_one_batch_and_keeps_the_model(tiny_data, tmp_path):
    stop = threading.Event()
    stop.set()  # asked to stop before training starts: exactly one batch runs
    run_dir = tmp_path / "run"
    result = train_in_folder(TrainConfig(**{**TINY, "epochs": 3}), tiny_data, run_dir, stop_event=stop)
    record = json.loads((run_dir / runs.RECORD_NAME).read_text())
    assert record["status"] == "stopped" and result.record.status == "stopped"
    assert len(record["history"]["batches"]["loss"]) == 1
    assert record["history"]["epochs"] == []
    load_model(run_dir / runs.MODEL_NAME)


def test_a_failing_run_is_recorded_as_failed(tiny_data, tmp_path, monkeypatch):
    class Exploding(ModelPool):
        def acquire(self, config):
            model = super().acquire(config)

            def fit(*args, **kwargs):
                raise MemoryError("out of memory (simulated)")

            model.fit = fit
            return model

    run_dir = tmp_path / "run"
    with pytest.raises(MemoryError):
        train_in_folder(TrainConfig(**TINY), tiny_data, run_dir, pool=Exploding())
    record = json.loads((run_dir / runs.RECORD_NAME).read_text())
    assert record["status"] == "failed"
    assert record["error"] == "MemoryError: out of memory (simulated)"


def test_a_failed_record_write_is_logged_in_one_line_without_a_traceback(tiny_data, tmp_path, monkeypatch, caplog):
    def unwritable(path, obj):
        raise FileExistsError(17, "File exists", str(path))

    monkeypatch.setattr("hrnn.runs.store.folder.atomic_write_json", unwritable)
    with pytest.raises(FileExistsError):
        train_in_folder(TrainConfig(**TINY), tiny_data, tmp_path / "file-in-the-way")
    shown = [r for r in caplog.records if r.levelname != "DEBUG"]
    assert [r.getMessage() for r in shown] == [
        "could not keep the report of the failed run: "
        f"[Errno 17] File exists: '{tmp_path / 'file-in-the-way' / runs.RECORD_NAME}'"
    ]
    assert all(r.exc_info is None for r in shown)


def test_pool_reuses_a_model_reset_to_fresh_weights(tiny_data):
    pool = ModelPool()
    config = TrainConfig(**TINY)
    first = pool.acquire(config)
    fresh_weights = [w.copy() for w in first.get_weights()]
    pool.release(first, config)
    train(config, tiny_data, pool=pool)  # borrows, trains and returns `first`
    again = pool.acquire(config)
    assert again is first
    for a, b in zip(again.get_weights(), fresh_weights):
        np.testing.assert_array_equal(a, b)
    assert int(again.optimizer.iterations.numpy()) == 0


def test_two_runs_at_once_get_different_models(tiny_data):
    pool = ModelPool()
    config = TrainConfig(**TINY)
    a, b = pool.acquire(config), pool.acquire(config)
    assert a is not b


def test_a_kept_model_is_not_given_back_to_the_pool(tiny_data):
    pool = ModelPool()
    config = TrainConfig(**TINY)
    result = train(config, tiny_data, pool=pool, keep_model=True)
    assert pool.acquire(config) is not result.model  # the next run gets another model, not the caller's


def test_grid_holds_two_held_out_digits_of_each_class_and_is_read_during_training(tiny_data):
    progress = Progress()
    config = TrainConfig(**TINY)
    train(config, tiny_data, progress=progress)
    snap = progress.snapshot()
    prepared = prepare_data(config, tiny_data)
    assert snap.grid_labels == [d for d in range(10) for _ in range(2)]
    expected = np.round(prepared.x_val[grid_indices(prepared.y_val)][..., 0] * 255).astype(np.uint8)
    np.testing.assert_array_equal(np.stack(snap.grid_images), expected)
    assert len(snap.grid_predictions) == 20 and all(0 <= p <= 9 for p in snap.grid_predictions)
    assert all(0.0 <= c <= 1.0 for c in snap.grid_confidences)
    assert snap.grid_samples == snap.samples_seen  # read once more at the end of the run
    assert snap.grid_correct == sum(p == t for p, t in zip(snap.grid_predictions, snap.grid_labels))


def test_eta_counts_the_evaluations_and_saves_after_the_last_batch(tiny_data):
    config = TrainConfig(**{**TINY, "epochs": 2})
    prepared = prepare_data(config, tiny_data)
    with_save = Tracker(config, prepared, Progress(), None, None, save_model=True)
    without = Tracker(config, prepared, Progress(), None, None, save_model=False)
    for tracker in (with_save, without):
        tracker.samples_seen = 2 * 180  # every training image seen: only evaluation and saving are left
        tracker.epoch = 1
    # One validation (20 images) and the test (60) at 4x the training speed of 100 images/s, plus two saves.
    assert without.eta(100.0) == pytest.approx(80 / 400)
    assert with_save.eta(100.0) == pytest.approx(80 / 400 + 2 * 0.5)
    with_save.eval_rate, with_save.save_seconds = 160.0, 0.25  # measured values replace the guesses
    assert with_save.eta(100.0) == pytest.approx(80 / 160 + 2 * 0.25)


def test_phases_end_in_done_and_the_stop_message_counts_the_batches(tiny_data):
    stop = threading.Event()
    progress = Progress()

    config = TrainConfig(**{**TINY, "epochs": 3})
    seen_phases = []
    original_apply = progress.apply

    def apply(event):
        values = event.get("u", {})
        if "phase" in values:
            seen_phases.append(values["phase"])
        if values.get("step") == 2 and progress.snapshot().epoch == 2:
            stop.set()
        original_apply(event)

    progress.apply = apply
    result = train(config, tiny_data, progress=progress, stop_event=stop)
    snap = progress.snapshot()
    assert snap.status == "stopped" and snap.phase == "done"
    assert "validating" in seen_phases and seen_phases[-1] == "done"
    assert result.record.partial_epoch_batches == 2
    assert outcome_words(result.record).startswith("stopped after 1 epoch and 2 batches")


@pytest.mark.parametrize("moment", ["during its last batch", "while it is validated"])
def test_stop_pressed_at_an_epochs_end_ends_the_run_with_that_whole_epoch_and_no_batch_of_the_next(tiny_data, moment):
    """The walkthrough's case: Stop pressed while an epoch was validated stopped the run only after one batch of the
    next ("stopped after 1 epoch and 1 batch"); pressed during its last batch, the epoch went unvalidated and the run
    read "stopped after 0 epochs"."""
    stop = threading.Event()
    progress = Progress()
    config = TrainConfig(**{**TINY, "epochs": 3})
    n_train = len(prepare_data(config, tiny_data).y_train)
    steps = -(-n_train // config.batch_size)
    original_apply = progress.apply

    def apply(event):
        values = event.get("u", {})
        if values.get("phase") == "validating" if moment == "while it is validated" else values.get("step") == steps:
            stop.set()
        original_apply(event)

    saves = []
    progress.apply = apply
    result = train(config, tiny_data, progress=progress, stop_event=stop, save_model=saves.append)
    snap = progress.snapshot()
    assert result.record.status == "stopped"
    assert len(snap.epoch_history) == 1 and snap.epoch_history[0].val_accuracy is not None  # the epoch is whole
    assert snap.samples_seen == n_train  # no batch beyond it
    assert result.record.partial_epoch_batches == 0
    assert outcome_words(result.record).startswith("stopped after 1 epoch in")
    assert len(saves) == 1  # its model, saved with the epoch, is not saved again at the end


@pytest.mark.parametrize(
    "epochs_done, epoch, step, expected",
    [
        (0, 1, 279, "279 batches of its first epoch"),  # never "0 epochs and 279 batches"
        (0, 1, 1, "1 batch of its first epoch"),
        (1, 2, 55, "1 epoch and 55 batches"),
        (2, 2, 313, "2 epochs"),  # the epoch's last batch: whole epochs only
    ],
)
def test_a_stopped_runs_message_counts_whole_epochs_then_batches(epochs_done, epoch, step, expected):
    from types import SimpleNamespace

    from hrnn.train.loop import partial_epoch_batches

    snap = SimpleNamespace(
        epoch_history=[{}] * epochs_done, epoch=epoch, step=step, steps_per_epoch=313, samples_seen=step * 32
    )
    assert trained_words(epochs_done, partial_epoch_batches(snap)) == expected


def test_a_run_trains_the_same_whatever_ran_before_it_in_the_process(tiny_data):
    """A worker's spare warms up (trains a little) before its run, and the pool hands a used model on: neither may
    change what the run computes. The same seed gives the same batches, bit for bit."""
    pool = ModelPool()
    config = TrainConfig(**TINY)
    first = train(config, tiny_data, pool=pool).record.history.batches
    train(replace(config, seed=1), tiny_data, pool=pool)  # another seed in between: other shuffles, other weights
    again = train(config, tiny_data, pool=pool).record.history.batches
    assert again.loss == first.loss and again.accuracy == first.accuracy


def test_a_batchs_accuracy_is_a_share_of_its_images_never_above_one(tiny_data):
    """Keras logs the epoch's running mean in float32; a batch's own accuracy, recovered from it, is rounded to a
    whole number of right answers (the walkthrough's CSV had 1.0000022649765015 on 157 of 987 rows)."""
    config = TrainConfig(**TINY)
    tracker = Tracker(config, prepare_data(config, tiny_data), Progress(), None, None, save_model=False)
    tracker.on_epoch_begin(0)
    tracker.grid_next = float("inf")  # no model to read the grid with
    running = np.float32(0.0)
    for batch, right in enumerate([32, 31, 32, 32, 0, 20]):  # right answers of batches of 32, then the last 20
        n = tracker.batch_size_at(batch)
        seen = batch * 32 + n
        running = np.float32((running * np.float32(seen - n) + np.float32(right)) / np.float32(seen))
        tracker.on_batch_end(None, batch, {"loss": 1.0, "accuracy": float(running) * (1 + 3e-7)})  # float32 error
    accuracies = tracker.progress.snapshot().batch_accuracy
    assert accuracies == [1.0, 31 / 32, 1.0, 1.0, 0.0, 1.0]


def test_the_speed_and_eta_do_not_count_the_pause_between_two_epochs(tiny_data, monkeypatch):
    """The walkthrough saw "4 images/s - about 6583 s left" in a 256 s run: the speed was measured across the
    validation between two epochs. 32 images a second, a 30 s pause, then the next epoch's first batches."""
    from hrnn.train import tracker as tracker_module

    clock = [1000.0]
    monkeypatch.setattr(tracker_module.time, "perf_counter", lambda: clock[0])
    config = TrainConfig(**{**TINY, "epochs": 2})
    tracker = Tracker(config, prepare_data(config, tiny_data), Progress(), None, None, save_model=False)
    tracker.grid_next = float("inf")  # no model to read the grid with
    for epoch in range(2):
        tracker.on_epoch_begin(epoch)
        clock[0] += 30.0 if epoch else 0.0  # validation and the next pass's start
        for batch in range(3):
            clock[0] += tracker.batch_size_at(batch) / 32.0
            tracker.on_batch_end(None, batch, {"loss": 1.0, "accuracy": 0.5})
            snap = tracker.progress.snapshot()
            if epoch or batch:  # the run's first batch alone has no speed yet
                assert snap.samples_per_second == pytest.approx(32.0), (epoch, batch)
    # Three batches of the second epoch's six left, then its validation and the test: seconds, not minutes.
    assert snap.eta_seconds == pytest.approx(tracker.eta(32.0)) and snap.eta_seconds < 10
