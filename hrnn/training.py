"""A training run: configuration, data preparation, progress events, stopping, and the run record.

`train()` is the one training path; the CLI calls it in the foreground and the app through `TrainingRun`, in
a background thread. Neither this module nor anything it imports touches Streamlit: progress goes into a
thread-safe `Progress` object that any front end can read.
"""

import logging
import math
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass, field

import keras
import numpy as np
import tensorflow as tf

from hrnn import __version__, limits, runs
from hrnn.model import OPTIMIZERS, CompileSettings, build_hrnn, compile_hrnn

log = logging.getLogger(__name__)

VALIDATIONS = ("split", "test", "none")
SCHEDULES = ("constant", "cosine")


@dataclass
class TrainConfig:
    """Hyperparameters of one run. The defaults reproduce the seed (except where the seed used the test set as
    validation: the default keeps a validation split apart; `validation="test"` is the seed's protocol)."""

    epochs: int = 5  # passes over the training images
    batch_size: int = 32  # images per gradient step
    row_units: int = 128  # hidden size of the row encoder (first LSTM)
    col_units: int = 128  # hidden size of the column encoder (second LSTM)
    optimizer: str = "rmsprop"  # one of hrnn.model.OPTIMIZERS
    learning_rate: float = 1e-3  # initial learning rate (Keras's RMSprop default, as in the seed)
    schedule: str = "constant"  # "constant" (the seed) or "cosine" decay to 0 over the run, per batch
    train_size: int | None = None  # number of training images to use; None = all that are left after validation
    validation: str = "split"  # "split": hold out val_size training images; "test": the seed's protocol; "none"
    val_size: int = 5000  # images held out for validation when validation == "split" (capped at 10% of train)
    val_limit: int | None = None  # evaluate on at most this many validation images per epoch (live runs)
    test_limit: int | None = None  # evaluate on at most this many test images at the end; 0 = skip
    seed: int = 0  # weights, split and shuffling

    def check(self):
        """Raise ValueError with a one-line message for the first invalid field: a size that is not positive,
        larger than its bound in `hrnn.limits`, or too large for this machine's free memory; a seed outside
        0..2**32-1; an unknown name."""
        for name in ("epochs", "batch_size", "row_units", "col_units", "val_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name.replace('_', '-')} must be a positive integer, got {value!r}")
        # Sizes far too large are refused by the memory they would need, before the fixed bounds (hrnn.limits).
        limits.check_memory(self.row_units, self.col_units, self.batch_size)
        for name, bound, why in (
            ("epochs", limits.EPOCHS_MAX, "far past where MNIST stops improving; the seed trains 5"),
            ("batch_size", limits.BATCH_MAX, "MNIST's whole training set in one step"),
            ("row_units", limits.UNITS_MAX, "32 times the seed's 128, days per epoch on a CPU"),
            ("col_units", limits.UNITS_MAX, "32 times the seed's 128, days per epoch on a CPU"),
        ):
            value = getattr(self, name)
            if value > bound:
                raise ValueError(f"{name.replace('_', '-')} must be at most {bound:,} ({why}), got {value:,}")
        for name in ("train_size", "val_limit"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name.replace('_', '-')} must be a positive integer, got {value!r}")
        if self.test_limit is not None and (not isinstance(self.test_limit, int) or self.test_limit < 0):
            raise ValueError(f"test-limit must be 0 or a positive integer, got {self.test_limit!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (0 < lr < 10) or math.isnan(lr):
            raise ValueError(f"learning rate must be a number between 0 and 10, got {lr!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if self.validation not in VALIDATIONS:
            raise ValueError(f"unknown validation {self.validation!r}; choose one of {', '.join(VALIDATIONS)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= limits.SEED_MAX:
            raise ValueError(f"seed must be an integer from 0 to {limits.SEED_MAX}, got {self.seed!r}")
        return self


@dataclass
class PreparedData:
    """Arrays ready for Keras: float32 images `(N, 28, 28, 1)` in [0, 1] and int64 labels `(N,)`."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    description: str  # what is trained on and validated on, for the record and the UI


def to_model_input(images):
    """uint8 `(N, 28, 28)` (0..255) -> float32 `(N, 28, 28, 1)` in [0, 1], as the seed scales its inputs."""
    return (np.asarray(images, dtype=np.float32) / 255.0)[..., None]


def stratified_indices(labels, count, rng):
    """`count` indices into `labels` with the class proportions kept (largest remainders), shuffled."""
    labels = np.asarray(labels)
    classes, totals = np.unique(labels, return_counts=True)
    quotas = totals * count / len(labels)
    take = np.floor(quotas).astype(int)
    for k in np.argsort(take - quotas)[: count - take.sum()]:
        take[k] += 1
    picked = [rng.permutation(np.flatnonzero(labels == c))[:n] for c, n in zip(classes, take)]
    return rng.permutation(np.concatenate(picked))


def held_out_count(n_train, config):
    """How many of `n_train` training images `config` holds out for validation."""
    return min(config.val_size, max(1, n_train // 10)) if config.validation == "split" else 0


def prepare_data(config, data):
    """Split and scale `data` (an `hrnn.data.MnistData`) as `config` says.

    With `validation="split"`, `min(val_size, 10% of train)` training images are held out (stratified, by
    `seed`); `train_size` then takes a stratified subset of the rest. Raises ValueError if `train_size` asks
    for more images than there are.
    """
    rng = np.random.default_rng(config.seed)
    x, y = data.x_train, data.y_train
    x_val = y_val = None
    if config.validation == "split":
        n_val = held_out_count(len(y), config)
        val_idx = stratified_indices(y, n_val, rng)
        keep = np.ones(len(y), bool)
        keep[val_idx] = False
        x_val, y_val = x[val_idx], y[val_idx]
        x, y = x[keep], y[keep]
        val_text = f"validation: {n_val:,} held-out training images"
    elif config.validation == "test":
        x_val, y_val = data.x_test, data.y_test
        val_text = "validation: the test set (the seed's protocol)"
    else:
        val_text = "no validation"
    if config.train_size is not None:
        if config.train_size > len(y):
            raise ValueError(f"train-size {config.train_size:,} is more than the {len(y):,} training images available")
        if config.train_size < len(y):
            idx = stratified_indices(y, config.train_size, rng)
            x, y = x[idx], y[idx]
    if x_val is not None and config.val_limit is not None and config.val_limit < len(y_val):
        idx = stratified_indices(y_val, config.val_limit, rng)
        x_val, y_val = x_val[idx], y_val[idx]
        val_text += f" (a stratified {config.val_limit:,} of them per epoch)"
    x_test, y_test = data.x_test, data.y_test
    if config.test_limit and config.test_limit < len(y_test):
        idx = stratified_indices(y_test, config.test_limit, rng)
        x_test, y_test = x_test[idx], y_test[idx]
    return PreparedData(
        to_model_input(x),
        np.asarray(y, np.int64),
        None if x_val is None else to_model_input(x_val),
        None if y_val is None else np.asarray(y_val, np.int64),
        to_model_input(x_test),
        np.asarray(y_test, np.int64),
        f"{data.source}; training on {len(y):,} images, {val_text}",
    )


@dataclass
class ProgressSnapshot:
    """A consistent copy of a run's progress at one moment."""

    status: str = "starting"  # starting | running | finished | stopped | failed
    epoch: int = 0  # current epoch, 1-based
    epochs: int = 0
    step: int = 0  # batches done in the current epoch
    steps_per_epoch: int = 0
    samples_seen: int = 0
    samples_total: int = 0
    samples_per_second: float = 0.0  # over the last few seconds
    eta_seconds: float | None = None
    elapsed_seconds: float = 0.0
    first_batch_seconds: float | None = None  # from start to the end of the first batch
    batch_steps: list = field(default_factory=list)  # global step (1-based) of each batch
    batch_loss: list = field(default_factory=list)  # that batch's own mean loss
    batch_accuracy: list = field(default_factory=list)  # that batch's own accuracy
    epoch_history: list = field(default_factory=list)  # dicts: epoch, loss, accuracy, val_loss, val_accuracy, seconds
    message: str = ""  # error text or a final summary


class Progress:
    """Thread-safe progress of one run: the training thread writes, any other thread reads snapshots."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = ProgressSnapshot()

    def update(self, **values):
        with self._lock:
            for key, value in values.items():
                setattr(self._state, key, value)

    def add_batch(self, step, loss, accuracy):
        with self._lock:
            self._state.batch_steps.append(step)
            self._state.batch_loss.append(loss)
            self._state.batch_accuracy.append(accuracy)

    def add_epoch(self, entry):
        with self._lock:
            self._state.epoch_history.append(dict(entry))

    def snapshot(self):
        """A copy that later updates do not change."""
        with self._lock:
            s = self._state
            return ProgressSnapshot(
                **{
                    **asdict(s),
                    "batch_steps": list(s.batch_steps),
                    "batch_loss": list(s.batch_loss),
                    "batch_accuracy": list(s.batch_accuracy),
                    "epoch_history": [dict(e) for e in s.epoch_history],
                }
            )


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


class ModelPool:
    """Compiled models kept for reuse, so that a second run with the same architecture and optimizer starts
    without tracing its training graph again (the slow part of a first batch).

    A model is lent to one run at a time; `acquire` resets it to fresh initial weights and optimizer state,
    so a reused model trains exactly as a new one would.
    """

    def __init__(self, max_idle=2):
        self._lock = threading.Lock()
        self._idle = {}  # key -> list of models
        self._max_idle = max_idle

    @staticmethod
    def key(config):
        return (config.row_units, config.col_units, config.optimizer)

    def acquire(self, config):
        """A compiled model for `config`, with fresh weights drawn from `config.seed`."""
        with self._lock:
            idle = self._idle.get(self.key(config), [])
            model = idle.pop() if idle else None
        keras.utils.set_random_seed(config.seed)
        fresh = build_hrnn(config.row_units, config.col_units)
        if model is None:
            return compile_hrnn(fresh, CompileSettings(config.optimizer, config.learning_rate))
        model.set_weights(fresh.get_weights())
        for variable in model.optimizer.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))  # optimizer slots and step count start at 0
        model.optimizer.learning_rate.assign(config.learning_rate)
        return model

    def release(self, model, config):
        """Give `model` back for reuse (dropped if enough of its kind are idle)."""
        with self._lock:
            idle = self._idle.setdefault(self.key(config), [])
            if len(idle) < self._max_idle:
                idle.append(model)


DEFAULT_POOL = ModelPool()


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
    """The state `train` shares with its Keras callback."""

    def __init__(self, config, prepared, progress, stop_event, on_epoch_saved):
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

    def batch_size_at(self, batch):
        return min(self.config.batch_size, self.n_train - batch * self.config.batch_size)

    def on_epoch_begin(self, epoch):
        self.epoch = epoch
        self.epoch_start = time.perf_counter()
        self.prev_sum = (0.0, 0.0, 0)
        self.progress.update(epoch=epoch + 1, step=0, status="running")

    def on_batch_begin(self, model, batch):
        if self.config.schedule == "cosine":
            done = (self.epoch * self.steps_per_epoch + batch) / self.total_steps
            model.optimizer.learning_rate.assign(self.config.learning_rate * 0.5 * (1 + math.cos(math.pi * done)))

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
        remaining = self.n_train * self.config.epochs - self.samples_seen
        updates = dict(
            step=batch + 1,
            samples_seen=self.samples_seen,
            samples_per_second=speed,
            eta_seconds=remaining / speed if speed > 0 else None,
            elapsed_seconds=now - self.start,
        )
        if self.global_step == 1:
            updates["first_batch_seconds"] = now - self.start
        self.progress.update(**updates)
        if self.stop_event is not None and self.stop_event.is_set():
            self.stopped = True
            model.stop_training = True

    def on_epoch_end(self, model, epoch, logs):
        if self.stopped:
            return  # a stopped epoch is incomplete: no validation, no epoch entry
        entry = {"epoch": epoch + 1, "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"])}
        p = self.prepared
        if p.x_val is not None:
            val = model.evaluate(p.x_val, p.y_val, batch_size=256, verbose=0, return_dict=True)
            entry.update(val_loss=float(val["loss"]), val_accuracy=float(val["accuracy"]))
        entry["seconds"] = time.perf_counter() - self.epoch_start
        self.progress.add_epoch(entry)
        if self.on_epoch_saved is not None:
            self.on_epoch_saved(model)


@dataclass
class TrainResult:
    model: object  # the trained keras.Model
    record: dict  # what was saved as record.json


def train(config, data, run_dir=None, progress=None, stop_event=None, pool=None, run_id=None):
    """Train an HRNN and, if `run_dir` is given, keep `model.keras` and `record.json` there up to date.

    The record is written when the run starts (status "running"), after every epoch (with a model checkpoint),
    and at the end with status "finished", "stopped" (the stop event was set: training ends after the current
    batch and what was trained is saved) or "failed" (the error is recorded and re-raised).

    Args:
        config: `TrainConfig`.
        data: `hrnn.data.MnistData`.
        run_dir: folder for the run's files, or None to save nothing.
        progress: a `Progress` to publish to (a private one if None).
        stop_event: a `threading.Event`; setting it stops training within one batch.
        pool: a `ModelPool` to borrow a compiled model from (`DEFAULT_POOL` if None).

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
        tracker = _Tracker(config, prepared, progress, stop_event, on_epoch_saved)
        progress.update(steps_per_epoch=tracker.steps_per_epoch)
        record["steps_per_epoch"] = tracker.steps_per_epoch
        model.fit(
            prepared.x_train,
            prepared.y_train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            shuffle=True,
            verbose=0,
            callbacks=[_RunCallback(tracker)],
        )
        status = "stopped" if tracker.stopped else "finished"
        snap = refresh_history()
        if status == "finished" and config.test_limit != 0:
            test = model.evaluate(prepared.x_test, prepared.y_test, batch_size=256, verbose=0, return_dict=True)
            record["test_loss"], record["test_accuracy"] = float(test["loss"]), float(test["accuracy"])
            record["test_images"] = int(len(prepared.y_test))
        record["samples_per_second"] = round(snap.samples_seen / max(snap.elapsed_seconds, 1e-9), 1)
        record["status"] = status
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record["wall_seconds"] = round(time.time() - started, 2)
        if run_dir is not None and snap.samples_seen > 0:
            runs.atomic_save_model(model, os.path.join(run_dir, runs.MODEL_NAME))
        save_record()
        summary = f"{status} after {len(snap.epoch_history)} epoch(s) in {record['wall_seconds']:.0f} s"
        if "test_accuracy" in record:
            summary += f"; test accuracy {record['test_accuracy']:.4f}"
        progress.update(status=status, message=summary, eta_seconds=0.0 if status == "finished" else None)
        return TrainResult(model, record)
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
        progress.update(status="failed", message=record["error"])
        model = None  # a model that failed mid-step is not returned to the pool
        raise
    finally:
        if model is not None:
            pool.release(model, config)


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
