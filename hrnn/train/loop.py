"""The training loop: `train()` fits a model as a `TrainConfig` says and keeps its `TrainReport` up to date.

`train()` is the one training path: the run's worker process (`hrnn.runs.launch.worker`) calls it, for runs started
from the app and from `python -m hrnn train` alike; the benchmarks call it too. Nothing here touches Streamlit or knows
about processes: progress goes into an `hrnn.train.progress.Progress` (which the worker mirrors into the run's progress
log), stopping is any object with `is_set()`. Its data come from `hrnn.data.splits.prepare_data`, its model from
`hrnn.train.pool.ModelPool`, what happens around each step from `hrnn.train.tracker`. The loop writes no file: it
hands its report to `on_report` and its model to `save_model`, and the run's worker keeps them in the run folder.
"""

import logging
import os
import platform
import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from hrnn import __version__
from hrnn.data.splits import prepare_data
from hrnn.nn.native import op as native_op
from hrnn.train import limits
from hrnn.train.history import BatchHistory, History, TrainReport, utc_now
from hrnn.train.pool import DEFAULT_POOL
from hrnn.train.progress import Progress
from hrnn.train.tracker import RunCallback, Tracker

log = logging.getLogger(__name__)


def package_versions():
    """Versions that matter for reproducing a run."""
    return {
        "hrnn": __version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


@dataclass
class TrainResult:
    record: TrainReport  # the run's report at its end (the `report` passed in, filled in)
    model: object = None  # the trained keras.Model, when `train` was asked to keep it (`keep_model=True`)


def train(
    config,
    data,
    progress=None,
    stop_event=None,
    pool=None,
    report=None,
    callbacks=(),
    keep_model=False,
    on_report=None,
    save_model=None,
    on_snapshot=None,
):
    """Train a model and keep its report up to date, handing it to `on_report` whenever it changes.

    The report is handed on when training starts (status "running"), after every epoch (after `save_model` has
    the checkpoint), and at the end with status "finished", "stopped" (the stop event was set: training ends after
    the current batch and what was trained is kept) or "failed" (the error is reported and re-raised).

    Args:
        config: `hrnn.train.config.TrainConfig`.
        data: `hrnn.data.mnist.MnistData`.
        progress: a `Progress` to publish to (a private one if None).
        stop_event: anything with `is_set()` (a `threading.Event`, `hrnn.runs.launch.worker.StopRequest`); once it is
            set, training stops within one batch.
        pool: a `ModelPool` to borrow a compiled model from (`DEFAULT_POOL` if None).
        report: the `TrainReport` to fill in (the worker passes its run's queued `RunRecord`, which extends
            it), or None for a new one.
        callbacks: more Keras callbacks for `fit`, after the run's own.
        keep_model: return the trained model in the result; it is then not given back to the pool (a pooled
            model is reset by the next run that borrows it).
        on_report: called with the report each time it changes; an `OSError` it raises for a failed run is
            logged in one line (the run's own error is what the caller reports).
        save_model: called with the model to keep after every epoch and at the end, or None to keep none.
        on_snapshot: called with each `hrnn.train.snapshots.Snapshot` of an HRNN's run (about 100 in a run, one per
            epoch's end and one at the end), or None to take none; see `hrnn.train.tracker.Tracker`.

    Returns:
        `TrainResult`.

    Raises:
        ValueError: for an invalid config. Any training error is re-raised after the record says "failed".
    """
    limits.check_fits_machine(config.check())
    pool = pool or DEFAULT_POOL
    progress = progress or Progress()
    started = time.time()
    record = report if report is not None else TrainReport(config=config)
    record.status, record.config, record.started = "running", config, record.started or utc_now()
    record.pid, record.versions = os.getpid(), package_versions()

    def save_record():
        if on_report is not None:
            on_report(record)

    def refresh_history():
        snap = progress.snapshot()
        record.history = History(
            epochs=snap.epoch_history,
            batches=BatchHistory(step=snap.batch_steps, loss=snap.batch_loss, accuracy=snap.batch_accuracy),
        )
        record.wall_seconds = round(time.time() - started, 2)
        record.first_batch_seconds = snap.first_batch_seconds
        record.samples_seen = snap.samples_seen
        return snap

    def on_epoch_saved(model):
        refresh_history()
        if save_model is not None:
            save_model(model)
        save_record()

    model = None
    try:
        progress.update(status="running", phase="starting", epochs=config.epochs)
        record.kernel = lstm_kernel(config)
        prepared = prepare_data(config, data)
        record.data, record.data_kind = prepared.description, str(data.kind)
        record.train_images = int(len(prepared.y_train))
        record.val_images = int(len(prepared.y_val)) if prepared.x_val is not None else None
        save_record()
        progress.update(samples_total=len(prepared.y_train) * config.epochs)
        model = pool.acquire(config)
        tracker = Tracker(
            config,
            prepared,
            progress,
            stop_event,
            on_epoch_saved,
            save_model=save_model is not None,
            on_snapshot=on_snapshot,
        )
        progress.update(steps_per_epoch=tracker.steps_per_epoch)
        record.steps_per_epoch = tracker.steps_per_epoch
        model.fit(
            prepared.x_train,
            prepared.y_train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            shuffle=True,
            verbose=0,
            callbacks=[RunCallback(tracker), *callbacks],
        )
        status = "stopped" if tracker.stopped else "finished"
        if tracker.samples_seen:
            tracker.read_grid(model, time.perf_counter())
        tracker.final_snapshot(model)
        snap = refresh_history()
        if status == "finished" and config.test_limit != 0:
            test = tracker.timed_evaluate(model, prepared.x_test, prepared.y_test, "testing")
            record.test_loss, record.test_accuracy = float(test["loss"]), float(test["accuracy"])
            record.test_images = int(len(prepared.y_test))
        record.samples_per_second = round(snap.samples_seen / max(snap.elapsed_seconds, 1e-9), 1)
        # A run stopped at an epoch's end has just saved this very model with that epoch.
        if save_model is not None and snap.samples_seen > 0 and not tracker.stopped_at_epoch_end:
            tracker.timed_save(lambda: save_model(model))
        record.status, record.finished = status, utc_now()
        record.wall_seconds = round(time.time() - started, 2)
        record.partial_epoch_batches = partial_epoch_batches(snap)
        save_record()
        eta = 0.0 if status == "finished" else None
        progress.update(status=status, phase="done", eta_seconds=eta)
        result = TrainResult(record, model if keep_model else None)
        if keep_model:
            model = None  # the caller owns it now: it must not go back to the pool
        return result
    except BaseException as exc:
        refresh_history()
        record.status, record.finished = "failed", utc_now()
        record.error = f"{type(exc).__name__}: {exc}"
        try:
            save_record()
        except OSError as write_error:  # one line: the run's own error is what the caller reports
            log.warning("could not keep the report of the failed run: %s", write_error)
            log.debug("record write failure", exc_info=True)
        progress.update(status="failed", phase="done", message=record.error)
        model = None  # a model that failed mid-step is not returned to the pool
        raise
    finally:
        if model is not None:
            pool.release(model, config)


LSTM_ARCHS = ("hrnn", "flat-lstm")  # the architectures whose LSTMs the native op computes (hrnn.nn.layers.FusedLSTM)


def lstm_kernel(config):
    """Which path a run's LSTMs train on in this process (`hrnn.nn.native.op.prepare_for_training`: the first call on
    a machine builds the op): `"native"`, `"native-bf16"` (the row reader's products in bfloat16 on AMX) or
    `"tensorflow"`; None for the CNN baseline, which has no LSTM."""
    if config.arch not in LSTM_ARCHS:
        return None
    kernel = native_op.prepare_for_training()
    if kernel == native_op.NATIVE_BF16 and not (config.arch == "hrnn" and native_op.bf16_fits(config.row_units)):
        return native_op.NATIVE  # no row reader, or one whose products stay float32
    return kernel


def partial_epoch_batches(snap):
    """How many batches of an epoch it did not finish a run trained (a `ProgressSnapshot` at its end): 0 when it
    ended on an epoch's end, its last batch included (an epoch trained but not validated counts as none of it)."""
    done = len(snap.epoch_history)
    extra = snap.step if snap.step < snap.steps_per_epoch and snap.samples_seen else 0
    return extra if done < snap.epoch else 0
