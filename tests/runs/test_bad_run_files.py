"""Wrongly typed, out-of-range and unreadable run files: each is one RecordError naming the file and the field, never
a crash three calls later. The same table drives the Train page's test (tests/app/test_bad_run_files_page.py)."""

import json
import math
import re
import shutil

import pytest

from hrnn import runs
from hrnn.runs.store.progress_log import ProgressLogReader, ProgressLogWriter, decode_event
from hrnn.train.config import TrainConfig
from hrnn.train.history import BatchHistory, EpochEntry, History
from hrnn.train.progress import Progress

BAD_RUN_ID = "20250102-000000-bad0"


def write_finished_run(path, model_file=None):
    """A finished two-epoch run as its worker leaves it, written with the package's own writers (no training):
    settings, record and summary, the progress log, and a copy of `model_file` if given. Returns its `RunFolder`."""
    folder = runs.RunFolder(path)
    folder.path.mkdir(parents=True)
    config = TrainConfig(epochs=2, row_units=8, col_units=8, val_size=20)
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


def first_problem(folder):
    """The first problem in reading `folder` as the app does (its record, then its progress log), or None."""
    try:
        folder.read_record()
    except runs.RecordError as exc:
        return exc
    reader = ProgressLogReader(folder.progress_path)
    reader.snapshot()
    return reader.problem


@pytest.mark.parametrize("damage, file, field", BAD_RUN_FILES)
def test_a_bad_run_file_is_one_record_error_naming_the_file_and_the_field(tmp_path, deny_access, damage, file, field):
    folder = write_finished_run(tmp_path / BAD_RUN_ID)
    assert first_problem(folder) is None  # as written, the run reads back whole
    damage(folder, deny_access)
    problem = first_problem(folder)
    assert isinstance(problem, runs.RecordError)
    message = str(problem)
    assert message.startswith(file) and field in message and "\n" not in message, message


@pytest.mark.parametrize(
    "line, field",
    [
        ('{"b":[1.5,2.0,0.5]}', "b[0]"),
        ('{"u":{"eta_seconds":NaN}}', "u.eta_seconds"),
        ('{"u":{"epoch":-1}}', "u.epoch"),
        # The fields of every batch line are read by a fast path: it refuses what the general reader refuses.
        ('{"u":{"step":true}}', "u.step"),
        ('{"u":{"step":1.5}}', "u.step"),
        ('{"u":{"samples_seen":"32"}}', "u.samples_seen"),
        ('{"u":{"samples_seen":null}}', "u.samples_seen"),
        ('{"u":{"samples_per_second":-1}}', "u.samples_per_second"),
        ('{"u":{"elapsed_seconds":Infinity}}', "u.elapsed_seconds"),
        ('{"u":{"first_batch_seconds":[1]}}', "u.first_batch_seconds"),
        ('{"b":[1,true,0.5]}', "b[1]"),
        ('{"b":[1,2.0]}', "b"),
        ('{"b":[-1,2.0,0.5]}', "b[0]"),
    ],
)
def test_the_progress_log_checks_each_line_at_its_boundary(line, field):
    with pytest.raises(runs.RecordError, match=rf"^{re.escape(field)}: "):
        decode_event(line)


def test_the_reader_skips_a_bad_line_reads_the_rest_and_names_the_line(tmp_path):
    folder = write_finished_run(tmp_path / BAD_RUN_ID)
    lines = folder.progress_path.read_text().splitlines()
    lines.insert(3, '{"u":{"samples_total":-1}}')
    folder.progress_path.write_text("\n".join(lines) + "\n")
    reader = ProgressLogReader(folder.progress_path)
    snap = reader.snapshot()
    assert snap.samples_total == 360 and len(snap.batch_loss) == 12 and len(snap.epoch_history) == 2
    assert str(reader.problem).startswith("progress.jsonl line 4: u.samples_total: ")


def test_a_diverged_run_with_nan_and_infinite_losses_stays_readable(tmp_path):
    """A loss is NaN or infinite when training diverges: that is a result to show, not a damaged file."""
    folder = write_finished_run(tmp_path / BAD_RUN_ID)

    def diverge(record):
        record["history"]["epochs"][0].update(loss=math.nan, val_loss=math.inf)
        record["test_loss"] = math.nan

    _edit(diverge)(folder, None)
    _line('{"b":[13,NaN,0.1]}')(folder, None)
    assert first_problem(folder) is None
    assert math.isnan(folder.read_record().history.epochs[0].loss)
