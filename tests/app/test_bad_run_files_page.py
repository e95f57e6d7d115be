"""The Train page watching a run whose files are wrongly typed, out of range or unreadable: one line says what is wrong
(the file and the field), no exception, and the page stays usable: Start is there and the saved runs are listed.
The cases are the table in tests/support/run_files.py, which tests/runs/test_bad_run_files.py also reads."""

import pytest

from hrnn import runs, settings
from tests.support.app import page, shown
from tests.support.run_files import BAD_RUN_FILES, BAD_RUN_ID, endless, fifo, grid_line, nested, write_finished_run

GOOD_RUN_ID = "20250101-000000-good"


@pytest.mark.parametrize("damage, file, field", BAD_RUN_FILES)
def test_the_train_page_watching_a_bad_run_says_in_one_line_what_is_wrong(
    deny_access, small_model, damage, file, field
):
    write_finished_run(settings.runs_dir() / GOOD_RUN_ID, small_model)
    bad = write_finished_run(settings.runs_dir() / BAD_RUN_ID, small_model)
    damage(bad, deny_access)
    at = page("train")
    at.query_params["run"] = BAD_RUN_ID
    at.run()
    assert not at.exception
    (alert,) = [shown(a.value) for a in (*at.warning, *at.error)]
    assert f"{file}" in alert and field in alert and "\n" not in alert, alert
    assert str(settings.runs_dir()) not in alert  # no server path
    assert not at.button(key="start").disabled
    rows = {r["id"]: r["status"] for r in at.dataframe[0].value.to_dict("records")}
    assert rows[GOOD_RUN_ID] == "finished" and BAD_RUN_ID in rows


def _grid_of(images, labels, predictions):
    """Damage: a digit grid of lists that disagree in length, the progress log's last line."""

    def damage(folder):
        with open(folder.progress_path, "ab") as fh:
            fh.write(grid_line(images, labels, predictions))

    return damage


# A few of tests/support/run_files.py's damages (run files nested too deeply, or that never end) and of
# tests/runs/test_progress_log.py's (a digit grid of lists that disagree in length).
DAMAGED_PAGE_CASES = [
    pytest.param(nested(runs.SUMMARY_NAME), runs.SUMMARY_NAME, id="nested-summary"),
    pytest.param(nested(runs.RECORD_NAME), runs.RECORD_NAME, id="nested-record"),
    pytest.param(nested(runs.PROGRESS_NAME), runs.PROGRESS_NAME, id="nested-progress-line"),
    pytest.param(endless(runs.RECORD_NAME), runs.RECORD_NAME, id="endless-record"),
    pytest.param(fifo(runs.RECORD_NAME), runs.RECORD_NAME, id="fifo-record"),
    pytest.param(_grid_of(25, 20, 20), "the digit grid has 25 images, 20 labels", id="grid-25-images-20-labels"),
]


@pytest.mark.parametrize("damage, said", DAMAGED_PAGE_CASES)
def test_the_train_page_watching_a_damaged_run_says_so_in_one_line(small_model, damage, said):
    write_finished_run(settings.runs_dir() / GOOD_RUN_ID, small_model)
    damage(write_finished_run(settings.runs_dir() / BAD_RUN_ID, small_model))
    at = page("train")
    at.query_params["run"] = BAD_RUN_ID
    at.run()
    assert not at.exception, at.exception
    (alert,) = [shown(a.value) for a in (*at.warning, *at.error)]
    assert said in alert and "\n" not in alert and str(settings.runs_dir()) not in alert, alert
    assert not at.button(key="start").disabled
    rows = {r["id"]: r["status"] for r in at.dataframe[0].value.to_dict("records")}
    assert rows[GOOD_RUN_ID] == "finished" and BAD_RUN_ID in rows


@pytest.mark.parametrize("name", ["draw", "evaluate"])
def test_the_pages_that_pick_a_model_list_around_a_damaged_run(small_model, name):
    write_finished_run(settings.runs_dir() / GOOD_RUN_ID, small_model)
    nested(runs.SUMMARY_NAME)(write_finished_run(settings.runs_dir() / BAD_RUN_ID, small_model))
    at = page(name).run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("full", [True, False], ids=["disk-full", "disk-not-full"])
def test_an_interrupted_run_on_a_full_disk_says_the_disk_is_full(monkeypatch, small_model, full):
    """A worker that cannot write its record on a full disk ends without saying so: its run reads "interrupted",
    and the page says what it can tell, that the runs folder's disk is full now."""
    folder = write_finished_run(settings.runs_dir() / BAD_RUN_ID, small_model)
    record = folder.read_record()
    record.status, record.created = "running", "2025-01-02T00:00:00Z"  # long ago: its worker is gone
    folder.write_record(record)
    monkeypatch.setattr(runs.RunFolder, "disk_full", lambda self: full)
    at = page("train")
    at.query_params["run"] = BAD_RUN_ID
    at.run()
    assert not at.exception, at.exception
    (warning,) = [shown(w.value) for w in at.warning if "interrupted" in shown(w.value)]
    assert ("the runs folder's disk is full" in warning) is full, warning
