"""What a run does around each Keras step: the learning-rate schedule, each batch's own loss and accuracy, speed,
the phase-aware ETA, the live digit grid, its snapshots (`hrnn.train.snapshots`), and stopping. `Tracker` holds that
state and `RunCallback` feeds it Keras's events; both publish through an `hrnn.train.progress.Progress` (one event per
batch, one per epoch)."""

import logging
import math
import time

import keras
import numpy as np

from hrnn.data.splits import grid_indices
from hrnn.train.history import EpochEntry
from hrnn.train.snapshots import snapshot_every, take_snapshot

log = logging.getLogger(__name__)

GRID_SECONDS = 2.0  # how often the live digit grid is read again
SPEED_SECONDS = 20.0  # the training speed (and so the ETA) is measured over this much of the latest training
EVAL_SPEEDUP = 4.0  # before the first evaluation is timed, assume it runs this many times faster than training
SAVE_SECONDS = 0.5  # before the first save is timed, assume a model save takes this long


class RunCallback(keras.callbacks.Callback):
    """Forwards Keras's batch and epoch events to the run's `Tracker`."""

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


class Tracker:
    """The state `train` shares with its Keras callback: the schedule, progress, the live grid, the ETA, snapshots.

    Args:
        on_snapshot: called with each `hrnn.train.snapshots.Snapshot` of the grid digits (an HRNN's runs only): every
            `snapshot_every(total_steps)` batches, at each epoch's end and at the end (`final_snapshot`, the only one
            `full`: with the cell state and gates kept); None takes none. A snapshot that fails is logged and the
            run trains on.
    """

    def __init__(self, config, prepared, progress, stop_event, on_epoch_saved, save_model, on_snapshot=None):
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
        self.window = []  # (time, samples_seen) after this epoch's batches, for the training speed
        self.speed = 0.0  # images/s over the latest `SPEED_SECONDS` of training, kept across an epoch's start
        self.prev_sum = (0.0, 0.0, 0)  # running sums of loss*n, acc*n and n within the epoch
        self.stopped = False
        self.stopped_at_epoch_end = False  # stopped with a whole epoch, whose model `on_epoch_saved` has saved
        # What follows the training steps, for the ETA: validation after each epoch, the test, the saves.
        self.n_val = 0 if prepared.x_val is None else len(prepared.y_val)
        self.n_test = len(prepared.y_test) if config.test_limit != 0 else 0
        self.saves = config.epochs + 1 if save_model else 0
        self.eval_rate = None  # images/s of evaluation, once measured
        self.save_seconds = None  # one save, once measured
        x_held, y_held = prepared.held_out()
        idx = grid_indices(y_held)
        self.grid_x = x_held[idx]  # (20, 28, 28, 1)
        self.grid_labels = [int(v) for v in y_held[idx]]  # (20,)
        self.on_snapshot = on_snapshot if config.arch == "hrnn" else None  # the memory is the HRNN's image reader's
        self.snapshot_every = snapshot_every(self.total_steps)
        self.last_snapshot = None  # (global step, full) of the last snapshot taken
        self.snapshot_failures = 0
        self.grid_next = 0.0
        progress.update(
            grid_images=[np.round(im[:, :, 0] * 255).astype(np.uint8) for im in self.grid_x],
            grid_labels=self.grid_labels,
        )

    def _stop_requested(self):
        return self.stop_event is not None and self.stop_event.is_set()

    def batch_size_at(self, batch):
        return min(self.config.batch_size, self.n_train - batch * self.config.batch_size)

    def on_epoch_begin(self, epoch):
        self.epoch = epoch
        self.epoch_start = time.perf_counter()
        self.prev_sum = (0.0, 0.0, 0)
        # The time between two epochs (validation, saving, the next pass's start) is not training: a speed measured
        # across it read as a few images a second and an ETA of hours. The window starts again after this epoch's
        # first batch; till then the last epoch's speed stands.
        self.window = []
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
        self.show_grid(np.asarray(model(self.grid_x, training=False)), now)  # (20, 10); eager: no graph to trace

    def show_grid(self, probs, now):
        """Publish `probs` `(20, 10)`, read now, as the grid's reading."""
        self.progress.update(
            grid_predictions=[int(k) for k in probs.argmax(axis=1)],
            grid_confidences=[float(p) for p in probs.max(axis=1)],
            grid_samples=self.samples_seen,
        )
        self.grid_next = now + GRID_SECONDS

    def snapshot(self, model, full):
        """Hand `on_snapshot` a snapshot of `model` on the grid digits now, and return it; None when snapshots are
        off or it failed (logged, never raised)."""
        if self.on_snapshot is None:
            return None
        try:
            seconds = time.perf_counter() - self.start
            snapshot = take_snapshot(
                model, self.grid_x, self.grid_labels, self.global_step, self.samples_seen, seconds, full
            )
            self.on_snapshot(snapshot)
        except Exception as exc:  # a snapshot is never worth a run
            self.snapshot_failures += 1
            level = logging.WARNING if self.snapshot_failures == 1 else logging.DEBUG
            log.log(level, "snapshot at step %d failed (%s): %s", self.global_step, type(exc).__name__, exc)
            return None
        self.last_snapshot = (self.global_step, full)
        return snapshot

    def final_snapshot(self, model):
        """The run's last snapshot, with the whole memory, unless the last epoch's end has just taken it (a run stopped
        at an epoch's end takes it at the same step as that epoch's)."""
        if self.samples_seen and self.last_snapshot != (self.global_step, True):
            self.snapshot(model, full=True)

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
        # A batch's accuracy is a count of right answers over n: rounding to it drops the float32 running mean's
        # error, which otherwise reads above 1 (or below 0) on some batches.
        batch_loss = (loss_total - loss_sum) / n
        batch_accuracy = min(max(round(acc_total - acc_sum), 0), n) / n if math.isfinite(acc_total) else math.nan
        self.prev_sum = (loss_total, acc_total, seen_now)
        self.window.append((now, self.samples_seen))
        while len(self.window) > 2 and now - self.window[0][0] > SPEED_SECONDS:
            self.window.pop(0)
        (t0, s0) = self.window[0]
        if now > t0:
            self.speed = (self.samples_seen - s0) / (now - t0)
        speed = self.speed
        updates = dict(
            step=batch + 1,
            samples_seen=self.samples_seen,
            samples_per_second=speed,
            eta_seconds=self.eta(speed),
            elapsed_seconds=now - self.start,
        )
        if self.global_step == 1:
            updates["first_batch_seconds"] = now - self.start
        self.progress.add_batch(self.global_step, batch_loss, batch_accuracy, **updates)  # one event per batch
        snapshot = None
        # The epoch's last batch is left to `on_epoch_end`, which keeps the whole memory then.
        if self.global_step % self.snapshot_every == 0 and batch + 1 < self.steps_per_epoch:
            snapshot = self.snapshot(model, full=False)
        if now >= self.grid_next:
            # A snapshot has read the grid digits already; while snapshots are taken, a due reading waits for the
            # next one (up to `GRID_SECONDS` more) rather than run the model again: an eager call of the model
            # costs about as much as a snapshot.
            if snapshot is not None:
                self.show_grid(snapshot.probs, now)
            elif self.on_snapshot is None or now >= self.grid_next + GRID_SECONDS:
                self.read_grid(model, now)
        if self._stop_requested() and batch + 1 < self.steps_per_epoch:
            self.stopped = True  # inside the epoch; after its last batch `on_epoch_end` stops, with the epoch whole
            model.stop_training = True

    def on_epoch_end(self, model, epoch, logs):
        if self.stopped:
            return  # a stopped epoch is incomplete: no validation, no epoch entry
        self.snapshot(model, full=epoch + 1 == self.config.epochs)  # the run's end keeps the whole memory
        p = self.prepared
        val = {}
        if p.x_val is not None:
            scores = self.timed_evaluate(model, p.x_val, p.y_val, "validating")
            val = dict(val_loss=float(scores["loss"]), val_accuracy=float(scores["accuracy"]))
        entry = EpochEntry(
            epoch=epoch + 1,
            loss=float(logs["loss"]),
            accuracy=float(logs["accuracy"]),
            seconds=time.perf_counter() - self.epoch_start,
            **val,
        )
        self.progress.add_epoch(entry)
        if self.on_epoch_saved is not None:
            self.timed_save(lambda: self.on_epoch_saved(model))
        self.progress.update(phase="training")
        if self._stop_requested() and epoch + 1 < self.config.epochs:
            # Stop pressed during the epoch's last batch or after it (while it was validated or saved): the run ends
            # here, with this whole epoch (its model just saved), not after a batch of the next. After the last
            # epoch the run is finished anyway.
            self.stopped = self.stopped_at_epoch_end = True
            model.stop_training = True
