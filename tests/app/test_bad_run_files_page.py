"""The Train page watching a run whose files are wrongly typed, out of range or unreadable: one line says what is wrong
(the file and the field), no exception, and the page stays usable: Start is there and the saved runs are listed.
The cases are those of tests/runs/test_bad_run_files.py."""

import pytest

from hrnn import settings
from tests.app.test_app import page, shown
from tests.runs.test_bad_run_files import BAD_RUN_FILES, BAD_RUN_ID, write_finished_run

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
