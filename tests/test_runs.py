"""The runs folder: atomic writes, listing, and resilience to damaged runs."""

import json
import os
from pathlib import Path

from hrnn import runs


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a" / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    runs.atomic_write_json(path, {"n": 2})
    assert json.loads(path.read_text()) == {"n": 2}
    assert [p.name for p in path.parent.iterdir()] == ["record.json"]


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "record.json"
    runs.atomic_write_json(path, {"n": 1})
    try:
        runs.atomic_write_json(path, {"bad": object()})
    except TypeError:
        pass
    assert json.loads(path.read_text()) == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_list_runs_newest_first_and_skips_damaged_records(tmp_path):
    runs.atomic_write_json(tmp_path / "20260101-000000-aaaa" / runs.RECORD_NAME, {"status": "finished"})
    runs.atomic_write_json(tmp_path / "20260102-000000-bbbb" / runs.RECORD_NAME, {"status": "stopped"})
    (tmp_path / "20260103-000000-cccc").mkdir()
    (tmp_path / "20260103-000000-cccc" / runs.RECORD_NAME).write_text("{half a rec")
    listed = runs.list_runs(tmp_path)
    assert [r.run_id for r in listed] == ["20260102-000000-bbbb", "20260101-000000-aaaa"]


def test_running_record_of_a_dead_process_reads_as_interrupted(tmp_path):
    runs.atomic_write_json(tmp_path / "r1" / runs.RECORD_NAME, {"status": "running", "pid": 2**22 + 12345})
    runs.atomic_write_json(tmp_path / "r2" / runs.RECORD_NAME, {"status": "running", "pid": os.getpid()})
    statuses = {r.run_id: r.status for r in runs.list_runs(tmp_path)}
    assert statuses == {"r1": "interrupted", "r2": "running"}


def test_default_runs_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path / "x"))
    assert runs.default_runs_dir() == tmp_path / "x"
    monkeypatch.delenv("HRNN_RUNS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert runs.default_runs_dir() == tmp_path / "data" / "hrnn" / "runs"


def test_run_label_describes_the_run(tmp_path):
    record = {
        "status": "finished",
        "config": {"epochs": 5, "row_units": 128, "col_units": 64},
        "history": {"epochs": [{"val_accuracy": 0.9}] * 5},
        "test_accuracy": 0.9871,
    }
    runs.atomic_write_json(tmp_path / "r" / runs.RECORD_NAME, record)
    (run,) = runs.list_runs(tmp_path)
    assert run.label() == "r (finished, 5/5 epochs, 128/64 units, acc 0.9871)"


def test_an_unreadable_runs_folder_lists_no_runs_instead_of_raising(tmp_path, monkeypatch):
    (tmp_path / "20250101-000000-abcd").mkdir()

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", denied)
    assert runs.list_runs(tmp_path) == []


def test_an_unreadable_run_folder_is_skipped(tmp_path, monkeypatch):
    for run_id in ("20250101-000000-aaaa", "20250101-000000-bbbb"):
        (tmp_path / run_id).mkdir()
        runs.atomic_write_json(tmp_path / run_id / runs.RECORD_NAME, {"status": "finished"})
    real_is_file = Path.is_file

    def is_file(self):
        if "aaaa" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    (run,) = runs.list_runs(tmp_path)
    assert run.run_id == "20250101-000000-bbbb" and not run.has_model
