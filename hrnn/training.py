"""The training loop: `train()` fits an HRNN as a `TrainConfig` says and keeps its run record up to date.

`train()` is the one training path: the run's worker process (`hrnn.worker`) calls it, for runs started from the
app and from `python -m hrnn train` alike; the benchmarks call it too. Nothing here touches Streamlit or knows
about processes: progress goes into an `hrnn.progress.Progress` (which the worker mirrors into the run's progress
log), stopping is any object with `is_set()`. Its data come from `hrnn.splits.prepare_data`, its model from
`hrnn.pool.ModelPool`, what happens around each step from `hrnn.tracker`, and the record's schema from
`hrnn.runs.RunRecord`.
"""

import logging
import os
import platform
import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from hrnn import __version__, runs
from hrnn.pool import DEFAULT_POOL
from hrnn.progress import Progress
from hrnn.splits import prepare_data
from hrnn.tracker import RunCallback, Tracker

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
    record: runs.RunRecord  # what was saved as record.json
    model: object = None  # the trained keras.Model, when `train` was asked to keep it (`keep_model=True`)


def train(
    config, data, run_dir=None, progress=None, stop_event=None, pool=None, record=None, callbacks=(), keep_model=False
):
    """Train an HRNN and, if `run_dir` is given, keep `model.keras`, `record.json` and `summary.json` there up to date.

    The record is written when training starts (status "running"), after every epoch (with a model checkpoint),
    and at the end with status "finished", "stopped" (the stop event was set: training ends after the current
    batch and what was trained is saved) or "failed" (the error is recorded and re-raised).

    Args:
        config: `hrnn.config.TrainConfig`.
        data: `hrnn.data.MnistData`.
        run_dir: folder for the run's files, or None to save nothing.
        progress: a `Progress` to publish to (a private one if None).
        stop_event: anything with `is_set()` (a `threading.Event`, `hrnn.worker.StopRequest`); once it is set,
            training stops within one batch.
        pool: a `ModelPool` to borrow a compiled model from (`DEFAULT_POOL` if None).
        record: the run's `RunRecord` so far (its id, token and creation time; the worker passes the queued
            record), or None for a new one.
        callbacks: more Keras callbacks for `fit`, after the run's own.
        keep_model: return the trained model in the result; it is then not given back to the pool (a pooled
            model is reset by the next run that borrows it).

    Returns:
        `TrainResult`.

    Raises:
        ValueError: for an invalid config. Any training error is re-raised after the record says "failed".
    """
    config.check()
    pool = pool or DEFAULT_POOL
    progress = progress or Progress()
    folder = runs.RunFolder(run_dir) if run_dir is not None else None
    started = time.time()
    record = record or runs.RunRecord(
        status="running", run_id=folder.run_id if folder else "", created=runs.utc_now(), config=config
    )
    record.status, record.config, record.started = "running", config, record.started or runs.utc_now()
    record.pid, record.versions = os.getpid(), package_versions()

    def save_record():
        if folder is not None:
            folder.write_record(record)

    def refresh_history():
        snap = progress.snapshot()
        record.history = runs.History(
            epochs=snap.epoch_history,
            batches=runs.BatchHistory(step=snap.batch_steps, loss=snap.batch_loss, accuracy=snap.batch_accuracy),
        )
        record.wall_seconds = round(time.time() - started, 2)
        record.first_batch_seconds = snap.first_batch_seconds
        record.samples_seen = snap.samples_seen
        return snap

    def on_epoch_saved(model):
        refresh_history()
        if folder is not None:
            runs.atomic_save_model(model, folder.model_path)
        save_record()

    model = None
    try:
        progress.update(status="running", phase="starting", epochs=config.epochs)
        prepared = prepare_data(config, data)
        record.data = prepared.description
        save_record()
        progress.update(samples_total=len(prepared.y_train) * config.epochs)
        model = pool.acquire(config)
        tracker = Tracker(config, prepared, progress, stop_event, on_epoch_saved, save_model=folder is not None)
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
        snap = refresh_history()
        if status == "finished" and config.test_limit != 0:
            test = tracker.timed_evaluate(model, prepared.x_test, prepared.y_test, "testing")
            record.test_loss, record.test_accuracy = float(test["loss"]), float(test["accuracy"])
            record.test_images = int(len(prepared.y_test))
        record.samples_per_second = round(snap.samples_seen / max(snap.elapsed_seconds, 1e-9), 1)
        if folder is not None and snap.samples_seen > 0:
            tracker.timed_save(lambda: runs.atomic_save_model(model, folder.model_path))
        record.status, record.finished = status, runs.utc_now()
        record.wall_seconds = round(time.time() - started, 2)
        record.message = f"{status} after {trained_text(snap)} in {record.wall_seconds:.0f} s"
        if record.test_accuracy is not None:
            record.message += f"; test accuracy {record.test_accuracy:.1%}"
        save_record()
        eta = 0.0 if status == "finished" else None
        progress.update(status=status, phase="done", message=record.message, eta_seconds=eta)
        result = TrainResult(record, model if keep_model else None)
        if keep_model:
            model = None  # the caller owns it now: it must not go back to the pool
        return result
    except BaseException as exc:
        refresh_history()
        record.status, record.finished = "failed", runs.utc_now()
        record.error = f"{type(exc).__name__}: {exc}"
        try:
            save_record()
        except OSError as write_error:  # one line: the run's own error is what the caller reports
            log.warning("could not write the record of the failed run in %s: %s", run_dir, write_error)
            log.debug("record write failure", exc_info=True)
        progress.update(status="failed", phase="done", message=record.error)
        model = None  # a model that failed mid-step is not returned to the pool
        raise
    finally:
        if model is not None:
            pool.release(model, config)


def trained_text(snap):
    """'2 epochs', or '1 epoch and 55 batches' for a run stopped inside an epoch."""
    done = len(snap.epoch_history)
    extra = snap.step if snap.step < snap.steps_per_epoch and snap.samples_seen else 0
    text = f"{done} epoch" + ("" if done == 1 else "s")
    if extra and done < snap.epoch:
        text += f" and {extra} batch" + ("" if extra == 1 else "es")
    return text
