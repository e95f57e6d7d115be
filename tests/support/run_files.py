"""Run folders as a worker leaves them, and the ways a run folder's files can be wrong or damaged (one table each,
shared by the store's, the Train page's and the CLI's tests)."""

import json
import math
import os
import shutil
import threading

import numpy as np
import pytest

from hrnn import runs
from hrnn.runs.store.progress_log import ProgressLogWriter, encode_event
from hrnn.train.config import TrainConfig
from hrnn.train.history import BatchHistory, EpochEntry, History
from hrnn.train.progress import Progress

BAD_RUN_ID = "20250102-000000-bad0"


def write_finished_run(path, model_file=None):
    """A finished two-epoch run as its worker leaves it, written with the package's own writers (no training):
    settings, record and summary, the progress log, and a copy of `model_file` if given. Returns its `RunFolder`."""
    folder = runs.RunFolder(path)
    folder.path.mkdir(parents=True)
    config = TrainConfig(epochs=2, row_units=8, image_units=8, val_size=20)
    run_settings = runs.RunSettings(folder.run_id, "token", config, "sample", runs.utc_now(), str(path.parent), 1)
    folder.write_settings(run_settings)
    writer = ProgressLogWriter(folder.progress_path)
    progress = Progress(sink=writer)
    progress.update(status="running", phase="starting", epochs=2, samples_total=360, steps_per_epoch=6)
    for step in range(1, 13):
        progress.add_batch(step, 2.3 - 0.1 * step, 0.05 * step, step=(step - 1) % 6 + 1, samples_seen=30 * step)
        if step % 6 == 0:
            epoch = step // 6
            progress.add_epoch(EpochEntry(epoch, 2.0 - epoch / 2, 0.3 * epoch, 1.9 - epoch / 2, 0.25 * epoch, 1.5))
    message = "finished after 2 epochs in 3 s; test accuracy 60.0%"
    progress.update(status="finished", phase="done", message=message)
    writer.close()
    snap = progress.snapshot()
    record = runs.RunRecord.queued(run_settings)
    record.status, record.started, record.finished, record.message = "finished", runs.utc_now(), runs.utc_now(), message
    record.history = History(snap.epoch_history, BatchHistory(snap.batch_steps, snap.batch_loss, snap.batch_accuracy))
    record.steps_per_epoch, record.samples_seen, record.wall_seconds = 6, 360, 3.0
    record.train_images, record.val_images, record.test_images, record.test_accuracy = 180, 20, 60, 0.6
    folder.write_record(record)
    if model_file is not None:
        shutil.copyfile(model_file, folder.model_path)
    return folder


def _edit(change, names=(runs.RECORD_NAME,)):
    """Damage: `change` applied to the parsed JSON of `names` (Python's json writes NaN and Infinity as such)."""

    def damage(folder, deny_access):
        for name in names:
            values = json.loads(folder.file(name).read_text())
            change(values)
            folder.file(name).write_text(json.dumps(values))

    return damage


def _both(change):
    """`change` to the record and its summary alike: the worker writes both from one record."""
    return _edit(change, (runs.RECORD_NAME, runs.SUMMARY_NAME))


def _line(line):
    """Damage: one more line in the progress log."""

    def damage(folder, deny_access):
        with open(folder.progress_path, "a") as fh:
            fh.write(line + "\n")

    return damage


def _unreadable(folder, deny_access):
    deny_access(folder.path)  # mode 000 (simulated as root)


# (damage, the file the message names first, the field it names), one case each.
BAD_RUN_FILES = [
    pytest.param(
        _edit(lambda r: r["history"]["epochs"][0].pop("accuracy")),
        "record.json",
        "history.epochs[0].accuracy",
        id="epoch-without-accuracy",
    ),
    pytest.param(
        _edit(lambda r: r["history"]["epochs"][1].pop("epoch")),
        "record.json",
        "history.epochs[1].epoch",
        id="epoch-without-number",
    ),
    pytest.param(_both(lambda r: r.update(test_accuracy=math.nan)), "record.json", "test_accuracy", id="nan-test-acc"),
    pytest.param(_both(lambda r: r.update(test_accuracy=math.inf)), "record.json", "test_accuracy", id="inf-test-acc"),
    pytest.param(_edit(lambda r: r.update(wall_seconds=math.nan)), "record.json", "wall_seconds", id="nan-wall-time"),
    pytest.param(_edit(lambda r: r.update(wall_seconds=-math.inf)), "record.json", "wall_seconds", id="inf-wall-time"),
    pytest.param(_line('{"b":[Infinity,0,0]}'), "progress.jsonl", "b[0]", id="log-infinite-step"),
    pytest.param(_line('{"e":{"epoch":3}}'), "progress.jsonl", "e.loss", id="log-epoch-without-values"),
    pytest.param(_line('{"u":{"epoch_history":[1]}}'), "progress.jsonl", "u.epoch_history[0]", id="log-int-history"),
    pytest.param(_line('{"u":{"samples_total":-1}}'), "progress.jsonl", "u.samples_total", id="log-negative-total"),
    pytest.param(_line('{"u":{"batch_loss":["x"]}}'), "progress.jsonl", "u.batch_loss[0]", id="log-string-loss"),
    pytest.param(_unreadable, "record.json", "Permission denied", id="unreadable-folder"),
]


DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON no parser can follow


HANG_SECONDS = 20  # a reader that takes longer than this is stuck on a file that never ends


def nested(name):
    """Damage: file `name` holds `DEEP` (the progress log: one more line of it)."""

    def damage(folder):
        if name == runs.PROGRESS_NAME:
            with open(folder.file(name), "a") as fh:
                fh.write(DEEP + "\n")
        else:
            folder.file(name).write_text(DEEP)

    return damage


def endless(name):
    """Damage: file `name` is a link to /dev/zero, which never ends."""

    def damage(folder):
        folder.file(name).unlink(missing_ok=True)
        folder.file(name).symlink_to("/dev/zero")

    return damage


def fifo(name):
    """Damage: file `name` is a FIFO with no writer: a plain read waits for ever."""

    def damage(folder):
        folder.file(name).unlink(missing_ok=True)
        os.mkfifo(folder.file(name))

    return damage


def damaged(kinds, names):
    return [pytest.param(kind(name), name, id=f"{kind.__name__}-{name}") for kind in kinds for name in names]


SMALL_FILES = (runs.SUMMARY_NAME, runs.RECORD_NAME, runs.SETTINGS_NAME, runs.HEARTBEAT_NAME, runs.LAUNCH_NAME)


# (damage, the file it damages): every JSON file of a run folder, each way.
DAMAGED_JSON_FILES = damaged((nested, endless, fifo), SMALL_FILES)


DAMAGED_SUMMARIES = damaged((nested, endless, fifo), (runs.SUMMARY_NAME,))


DAMAGED_RECORDS = damaged((nested, endless, fifo), (runs.RECORD_NAME,))


DAMAGED_LOGS = damaged((nested, endless, fifo), (runs.PROGRESS_NAME,))


def within(seconds, call):
    """`call()`'s result or the exception it raised, failing the test if it takes longer than `seconds` (a reader
    stuck on a FIFO; the thread is left behind, as a daemon)."""
    done = {}

    def target():
        try:
            done["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test, whatever it is
            done["result"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s"
    return done["result"]


def grid_line(images=25, labels=20, predictions=20):
    """A progress log line of the digit grid whose lists are of these lengths (bytes)."""
    updates = {"grid_images": np.zeros((images, 28, 28), np.uint8), "grid_labels": [1] * labels}
    if predictions:
        updates.update(grid_predictions=[1] * predictions, grid_confidences=[0.5] * predictions)
    return encode_event({"u": updates})
