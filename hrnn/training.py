"""A training run: the training loop, its progress events, stopping, and the run record.

`train()` is the one training path; the CLI calls it in the foreground and the app through `TrainingRun`, in
a background thread. Neither this module nor anything it imports touches Streamlit: progress goes into a
thread-safe `hrnn.progress.Progress` that any front end can read. What a run is asked to do is a
`hrnn.config.TrainConfig`; its data come from `hrnn.splits.prepare_data`; its model from `hrnn.pool.ModelPool`.
"""

import logging
import math
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass

import keras
import numpy as np
import tensorflow as tf

from hrnn import __version__, runs
from hrnn.pool import DEFAULT_POOL
from hrnn.progress import Progress, ProgressSnapshot
from hrnn.splits import grid_indices, prepare_data

log = logging.getLogger(__name__)

GRID_SECONDS = 2.0  # how often the live digit grid is read again
EVAL_SPEEDUP = 4.0  # before the first evaluation is timed, assume it runs this many times faster than training
SAVE_SECONDS = 0.5  # before the first save is timed, assume a model save takes this long


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


class _RunCallback(keras.callbacks.Callback):
    """Forwards Keras's batch and epoch events to the run's `_Tracker`."""

    def __init__(self, tracker):
        super().__init__()
        self.tracker = tracker

    def on_epoch_begin(self, epoch, logs=None):
        self.tracker.on_epoch_begin(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self.tracker.on_batch_begin(self.model, batch)

    def on_train_batch_end(self, batch, logs=None):
        self.tracker.on_batch_end(self.model, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self.tracker.on_epoch_end(self.model, epoch, logs or {})


class _Tracker:
    """The state `train` shares with its Keras callback: the schedule, progress, the live grid, the ETA."""

    def __init__(self, config, prepared, progress, stop_event, on_epoch_saved, save_model):
        self.config = config
        self.prepared = prepared
        self.progress = progress
        self.stop_event = stop_event
        self.on_epoch_saved = on_epoch_saved
        n = len(prepared.y_train)
        self.steps_per_epoch = math.ceil(n / config.batch_size)
        self.total_steps = self.steps_per_epoch * config.epochs
        self.n_train = n
        self.start = time.perf_counter()
        self.epoch = 0
        self.epoch_start = self.start
        self.global_step = 0
        self.samples_seen = 0
        self.window = []  # (time, samples_seen) for a recent-speed estimate
        self.prev_sum = (0.0, 0.0, 0)  # running sums of loss*n, acc*n and n within the epoch
        self.stopped = False
        # What follows the training steps, for the ETA: validation after each epoch, the test, the saves.
        self.n_val = 0 if prepared.x_val is None else len(prepared.y_val)
        self.n_test = len(prepared.y_test) if config.test_limit != 0 else 0
        self.saves = config.epochs + 1 if save_model else 0
        self.eval_rate = None  # images/s of evaluation, once measured
        self.save_seconds = None  # one save, once measured
        x_held, y_held = prepared.held_out()
        idx = grid_indices(y_held)
        self.grid_x = x_held[idx]  # (20, 28, 28, 1)
        self.grid_next = 0.0
        progress.update(
            grid_images=[np.round(im[:, :, 0] * 255).astype(np.uint8) for im in self.grid_x],
            grid_labels=[int(v) for v in y_held[idx]],
        )

    def batch_size_at(self, batch):
        return min(self.config.batch_size, self.n_train - batch * self.config.batch_size)

    def on_epoch_begin(self, epoch):
        self.epoch = epoch
        self.epoch_start = time.perf_counter()
        self.prev_sum = (0.0, 0.0, 0)
        self.progress.update(epoch=epoch + 1, step=0, status="running", phase="training")

    def on_batch_begin(self, model, batch):
        if self.config.schedule == "cosine":
            done = (self.epoch * self.steps_per_epoch + batch) / self.total_steps
            model.optimizer.learning_rate.assign(self.config.learning_rate * 0.5 * (1 + math.cos(math.pi * done)))

    def eta(self, speed):
        """Seconds to the end of the run: the training images left, then the evaluations and saves left."""
        if speed <= 0:
            return None
        remaining = (self.n_train * self.config.epochs - self.samples_seen) / speed
        epochs_left = self.config.epochs - self.epoch  # validations after this epoch and the ones to come
        eval_images = epochs_left * self.n_val + self.n_test
        remaining += eval_images / (self.eval_rate or EVAL_SPEEDUP * speed)
        saves_left = max(0, self.saves - self.epoch)
        return remaining + saves_left * (self.save_seconds if self.save_seconds is not None else SAVE_SECONDS)

    def timed_evaluate(self, model, x, y, phase):
        """`model.evaluate` on `(x, y)` with the phase shown and the evaluation speed measured."""
        self.progress.update(phase=phase)
        started = time.perf_counter()
        result = model.evaluate(x, y, batch_size=256, verbose=0, return_dict=True)
        self.eval_rate = len(y) / max(time.perf_counter() - started, 1e-6)
        return result

    def timed_save(self, save):
        self.progress.update(phase="saving")
        started = time.perf_counter()
        save()
        self.save_seconds = time.perf_counter() - started

    def read_grid(self, model, now):
        """What the model being trained reads the grid digits as (every `GRID_SECONDS`, and once at the end)."""
        probs = np.asarray(model(self.grid_x, training=False))  # (20, 10); eager: no graph to trace
        self.progress.update(
            grid_predictions=[int(k) for k in probs.argmax(axis=1)],
            grid_confidences=[float(p) for p in probs.max(axis=1)],
            grid_samples=self.samples_seen,
        )
        self.grid_next = now + GRID_SECONDS

    def on_batch_end(self, model, batch, logs):
        now = time.perf_counter()
        n = self.batch_size_at(batch)
        self.global_step += 1
        self.samples_seen += n
        # Keras logs running means over the epoch, weighted by batch size; recover this batch's own values.
        loss_sum, acc_sum, seen = self.prev_sum
        seen_now = seen + n
        loss_total, acc_total = (
            float(logs.get("loss", np.nan)) * seen_now,
            float(logs.get("accuracy", np.nan)) * seen_now,
        )
        self.progress.add_batch(self.global_step, (loss_total - loss_sum) / n, (acc_total - acc_sum) / n)
        self.prev_sum = (loss_total, acc_total, seen_now)
        self.window.append((now, self.samples_seen))
        while len(self.window) > 2 and now - self.window[0][0] > 5.0:
            self.window.pop(0)
        (t0, s0) = self.window[0]
        speed = (self.samples_seen - s0) / (now - t0) if now > t0 else 0.0
        updates = dict(
            step=batch + 1,
            samples_seen=self.samples_seen,
            samples_per_second=speed,
            eta_seconds=self.eta(speed),
            elapsed_seconds=now - self.start,
        )
        if self.global_step == 1:
            updates["first_batch_seconds"] = now - self.start
        self.progress.update(**updates)
        if now >= self.grid_next:
            self.read_grid(model, now)
        if self.stop_event is not None and self.stop_event.is_set():
            self.stopped = True
            model.stop_training = True

    def on_epoch_end(self, model, epoch, logs):
        if self.stopped:
            return  # a stopped epoch is incomplete: no validation, no epoch entry
        entry = {"epoch": epoch + 1, "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"])}
        p = self.prepared
        if p.x_val is not None:
            val = self.timed_evaluate(model, p.x_val, p.y_val, "validating")
            entry.update(val_loss=float(val["loss"]), val_accuracy=float(val["accuracy"]))
        entry["seconds"] = time.perf_counter() - self.epoch_start
        self.progress.add_epoch(entry)
        if self.on_epoch_saved is not None:
            self.timed_save(lambda: self.on_epoch_saved(model))
        self.progress.update(phase="training")


@dataclass
class TrainResult:
    record: dict  # what was saved as record.json
    model: object = None  # the trained keras.Model, when `train` was asked to keep it (`keep_model=True`)


def train(
    config, data, run_dir=None, progress=None, stop_event=None, pool=None, run_id=None, callbacks=(), keep_model=False
):
    """Train an HRNN and, if `run_dir` is given, keep `model.keras` and `record.json` there up to date.

    The record is written when the run starts (status "running"), after every epoch (with a model checkpoint),
    and at the end with status "finished", "stopped" (the stop event was set: training ends after the current
    batch and what was trained is saved) or "failed" (the error is recorded and re-raised).

    Args:
        config: `hrnn.config.TrainConfig`.
        data: `hrnn.data.MnistData`.
        run_dir: folder for the run's files, or None to save nothing.
        progress: a `Progress` to publish to (a private one if None).
        stop_event: a `threading.Event`; setting it stops training within one batch.
        pool: a `ModelPool` to borrow a compiled model from (`DEFAULT_POOL` if None).
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
    started = time.time()
    record = {
        "run_id": run_id or (os.path.basename(os.fspath(run_dir)) if run_dir else None),
        "status": "running",
        "pid": os.getpid(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "config": asdict(config),
        "data": None,
        "history": {"epochs": [], "batches": {"step": [], "loss": [], "accuracy": []}},
        "versions": package_versions(),
    }

    def save_record():
        if run_dir is not None:
            runs.atomic_write_json(os.path.join(run_dir, runs.RECORD_NAME), record)

    def refresh_history():
        snap = progress.snapshot()
        record["history"] = {
            "epochs": snap.epoch_history,
            "batches": {"step": snap.batch_steps, "loss": snap.batch_loss, "accuracy": snap.batch_accuracy},
        }
        record["wall_seconds"] = round(time.time() - started, 2)
        record["first_batch_seconds"] = snap.first_batch_seconds
        return snap

    def on_epoch_saved(model):
        refresh_history()
        if run_dir is not None:
            runs.atomic_save_model(model, os.path.join(run_dir, runs.MODEL_NAME))
        save_record()

    model = None
    try:
        prepared = prepare_data(config, data)
        record["data"] = prepared.description
        save_record()
        progress.update(epochs=config.epochs, samples_total=len(prepared.y_train) * config.epochs, status="running")
        model = pool.acquire(config)
        tracker = _Tracker(config, prepared, progress, stop_event, on_epoch_saved, save_model=run_dir is not None)
        progress.update(steps_per_epoch=tracker.steps_per_epoch)
        record["steps_per_epoch"] = tracker.steps_per_epoch
        model.fit(
            prepared.x_train,
            prepared.y_train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            shuffle=True,
            verbose=0,
            callbacks=[_RunCallback(tracker), *callbacks],
        )
        status = "stopped" if tracker.stopped else "finished"
        if tracker.samples_seen:
            tracker.read_grid(model, time.perf_counter())
        snap = refresh_history()
        if status == "finished" and config.test_limit != 0:
            test = tracker.timed_evaluate(model, prepared.x_test, prepared.y_test, "testing")
            record["test_loss"], record["test_accuracy"] = float(test["loss"]), float(test["accuracy"])
            record["test_images"] = int(len(prepared.y_test))
        record["samples_seen"] = snap.samples_seen
        record["samples_per_second"] = round(snap.samples_seen / max(snap.elapsed_seconds, 1e-9), 1)
        record["status"] = status
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record["wall_seconds"] = round(time.time() - started, 2)
        if run_dir is not None and snap.samples_seen > 0:
            tracker.timed_save(lambda: runs.atomic_save_model(model, os.path.join(run_dir, runs.MODEL_NAME)))
        save_record()
        summary = f"{status} after {_trained_text(snap)} in {record['wall_seconds']:.0f} s"
        if "test_accuracy" in record:
            summary += f"; test accuracy {record['test_accuracy']:.1%}"
        progress.update(status=status, phase="done", message=summary, eta_seconds=0.0 if status == "finished" else None)
        result = TrainResult(record, model if keep_model else None)
        if keep_model:
            model = None  # the caller owns it now: it must not go back to the pool
        return result
    except BaseException as exc:
        refresh_history()
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        try:
            save_record()
        except OSError as write_error:  # one line: the run's own error is what the caller reports
            log.warning("could not write the record of the failed run in %s: %s", run_dir, write_error)
            log.debug("record write failure", exc_info=True)
        progress.update(status="failed", phase="done", message=record["error"])
        model = None  # a model that failed mid-step is not returned to the pool
        raise
    finally:
        if model is not None:
            pool.release(model, config)


def _trained_text(snap):
    """'2 epochs', or '1 epoch and 55 batches' for a run stopped inside an epoch."""
    done = len(snap.epoch_history)
    extra = snap.step if snap.step < snap.steps_per_epoch and snap.samples_seen else 0
    text = f"{done} epoch" + ("" if done == 1 else "s")
    if extra and done < snap.epoch:
        text += f" and {extra} batch" + ("" if extra == 1 else "es")
    return text


def snapshot_from_record(record):
    """A `ProgressSnapshot` rebuilt from a saved run record, to draw a past run's curves."""
    config = record.get("config", {})
    history = record.get("history", {})
    batches = history.get("batches", {})
    epochs = history.get("epochs", [])
    steps = batches.get("step", [])
    steps_per_epoch = record.get("steps_per_epoch") or (math.ceil(len(steps) / max(len(epochs), 1)) if steps else 1)
    return ProgressSnapshot(
        status=record.get("status", "unknown"),
        epoch=len(epochs),
        epochs=int(config.get("epochs", max(len(epochs), 1))),
        steps_per_epoch=int(steps_per_epoch),
        batch_steps=list(steps),
        batch_loss=list(batches.get("loss", [])),
        batch_accuracy=list(batches.get("accuracy", [])),
        epoch_history=list(epochs),
        elapsed_seconds=float(record.get("wall_seconds", 0.0)),
        first_batch_seconds=record.get("first_batch_seconds"),
        message=record.get("error", ""),
    )


class TrainingRun:
    """A run in a background thread, for interactive front ends. The thread makes no UI calls: front ends
    read `progress.snapshot()` and call `stop()`."""

    def __init__(self, config, data, runs_dir=None, pool=None):
        self.config = config.check()
        self.data = data
        self.run_id = runs.new_run_id()
        root = runs_dir if runs_dir is not None else runs.default_runs_dir()
        self.run_dir = os.path.join(os.fspath(root), self.run_id)
        self.progress = Progress()
        self.pool = pool
        self.result = None
        self.error = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"hrnn-train-{self.run_id}", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        """Ask the run to stop after the current batch."""
        self._stop.set()

    def join(self, timeout=None):
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self):
        return self._thread.is_alive()

    def _main(self):
        try:
            self.result = train(
                self.config,
                self.data,
                run_dir=self.run_dir,
                progress=self.progress,
                stop_event=self._stop,
                pool=self.pool,
                run_id=self.run_id,
            )
        except Exception as exc:  # shown to the user through progress; the record says "failed"
            log.exception("training run %s failed", self.run_id)
            self.error = f"{type(exc).__name__}: {exc}"
