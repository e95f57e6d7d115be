"""Run files nested too deeply for a parser, and run files that never end (a link to /dev/zero, a FIFO): each is a
damaged run, said in one line naming the file, never a RecursionError, a MemoryError or a reader that hangs. The
same damages drive the Train page's test (tests/app/test_bad_run_files_page.py) and the CLI's
(tests/cli/test_cli_faults.py)."""

import os

import pytest

from hrnn import runs
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.runs.store.reading import read_json
from tests.support.run_files import (
    BAD_RUN_ID,
    DAMAGED_JSON_FILES,
    DAMAGED_LOGS,
    DAMAGED_RECORDS,
    DAMAGED_SUMMARIES,
    HANG_SECONDS,
    damaged,
    endless,
    fifo,
    nested,
    within,
    write_finished_run,
)


@pytest.fixture
def folder(tmp_path):
    run = write_finished_run(tmp_path / "runs" / BAD_RUN_ID)
    run.write_heartbeat("token")
    run.write_launch("token", os.getpid())
    return run


@pytest.mark.parametrize("damage, name", DAMAGED_JSON_FILES)
def test_a_damaged_run_file_is_one_record_error_naming_it(folder, damage, name):
    damage(folder)
    problem = within(HANG_SECONDS, lambda: read_json(folder.file(name)))
    assert isinstance(problem, runs.RecordError), repr(problem)
    assert str(problem).startswith(name) and "\n" not in str(problem), str(problem)


@pytest.mark.parametrize("damage, name", DAMAGED_SUMMARIES + DAMAGED_RECORDS)
def test_a_run_with_a_damaged_summary_or_record_is_listed_as_unreadable(folder, damage, name):
    if name == runs.RECORD_NAME:
        folder.file(runs.SUMMARY_NAME).unlink()  # a run from before summaries: the record is what is listed
    damage(folder)
    listed = within(HANG_SECONDS, lambda: runs.list_runs(folder.path.parent))
    assert not isinstance(listed, BaseException), repr(listed)
    (entry,) = listed
    assert entry.status.startswith(f"unreadable: {name}") and "\n" not in entry.status, entry.status


@pytest.mark.parametrize("damage, name", DAMAGED_RECORDS)
def test_a_damaged_record_is_one_record_error(folder, damage, name):
    damage(folder)
    problem = within(HANG_SECONDS, folder.read_record)
    assert isinstance(problem, runs.RecordError) and str(problem).startswith(name), repr(problem)


@pytest.mark.parametrize("damage, name", damaged((nested, endless, fifo), (runs.HEARTBEAT_NAME, runs.LAUNCH_NAME)))
def test_a_damaged_heartbeat_is_no_heartbeat(folder, damage, name):
    damage(folder)
    assert within(HANG_SECONDS, folder.read_heartbeat if name == runs.HEARTBEAT_NAME else folder.read_launch) is None
    state = within(HANG_SECONDS, lambda: runs.worker_state(folder, "token", runs.utc_now()))
    assert state in ("alive", "gone", runs.NOT_RESPONDING), repr(state)


@pytest.mark.parametrize("damage, name", DAMAGED_LOGS)
def test_a_damaged_progress_log_is_one_problem_naming_it(folder, damage, name):
    damage(folder)
    reader = ProgressLogReader(folder.progress_path)
    snap = within(HANG_SECONDS, reader.snapshot)
    assert not isinstance(snap, BaseException), repr(snap)
    assert str(reader.problem).startswith(name) and "\n" not in str(reader.problem), reader.problem
