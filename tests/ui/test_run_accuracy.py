"""The verdict's figure comes from what the run's record counts, never from a guess."""

from hrnn import runs
from hrnn.runs.store.listing import held_out_accuracy
from hrnn.train.history import EpochEntry
from hrnn.train.progress import snapshot_from_record
from hrnn.ui.train.outcome import run_accuracy as _run_accuracy


def stopped_run(val_images):
    record = runs.RunRecord(status="stopped", val_images=val_images)
    record.history.epochs.append(EpochEntry(epoch=1, loss=0.5, accuracy=0.8, val_accuracy=0.75))
    return record


def test_a_stopped_run_is_judged_on_the_validation_images_it_read():
    record = stopped_run(val_images=400)  # the offline sample holds out 400, fewer than a live run's 1,000
    assert _run_accuracy(record, snapshot_from_record(record)) == (0.75, 400, "validation", "after epoch 1")


def test_a_finished_run_is_judged_on_its_test_images():
    record = stopped_run(val_images=400)
    record.status, record.test_accuracy, record.test_images = "finished", 0.9, 2000
    assert _run_accuracy(record, snapshot_from_record(record)) == (0.9, 2000, "test", "")


def test_a_record_that_does_not_count_its_images_gives_no_figure_rather_than_a_guess():
    record = stopped_run(val_images=None)  # a record from before the counts, with no grid to fall back on
    assert _run_accuracy(record, snapshot_from_record(record)) == (None, 0, "test", "")


def test_the_verdict_and_the_run_list_judge_a_run_by_the_same_figure():
    record = stopped_run(val_images=400)
    summary = runs.RunSummary.from_record(record, run_id="r")
    assert held_out_accuracy(summary.test_accuracy, summary.val_accuracy) == (0.75, "val")
    assert _run_accuracy(record, snapshot_from_record(record))[0] == 0.75
    record.status, record.test_accuracy, record.test_images = "finished", 0.9, 2000
    summary = runs.RunSummary.from_record(record, run_id="r")
    assert held_out_accuracy(summary.test_accuracy, summary.val_accuracy) == (0.9, "test")
    assert _run_accuracy(record, snapshot_from_record(record))[0] == 0.9
    assert held_out_accuracy(None, None) == (None, "")
