"""Wrongly typed, out-of-range and unreadable run files: each is one RecordError naming the file and the field, never
a crash three calls later. The same table drives the Train page's test (tests/app/test_bad_run_files_page.py)."""

import math
import re

import pytest

from hrnn import runs
from hrnn.runs.store.progress_log import ProgressLogReader, decode_event
from tests.support.run_files import BAD_RUN_FILES, BAD_RUN_ID, _edit, _line, write_finished_run


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
