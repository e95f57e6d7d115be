"""A run's curves as CSV (`hrnn.runs.export`): one row per batch, each epoch's figures on its last batch."""

import csv
import io

from hrnn import runs
from hrnn.runs.export import CURVE_COLUMNS, curves_csv
from hrnn.train.config import TrainConfig
from hrnn.train.history import EpochEntry


def test_curves_are_one_row_per_batch_with_each_epochs_figures_on_its_last_batch():
    record = runs.RunRecord(status="stopped", run_id="r", config=TrainConfig(epochs=3), steps_per_epoch=2)
    batches = record.history.batches
    batches.step, batches.loss, batches.accuracy = [1, 2, 3, 4, 5], [2.0, 1.5, 1.0, 0.8, 0.7], [0.1, 0.3, 0.5, 0.6, 0.7]
    record.history.epochs = [EpochEntry(1, 1.75, 0.2, 1.2, 0.55, 3.0), EpochEntry(2, 0.9, 0.55)]  # no validation
    rows = list(csv.DictReader(io.StringIO(curves_csv(record))))
    assert list(rows[0]) == list(CURVE_COLUMNS)
    assert [(r["step"], r["epoch"], r["batch_loss"]) for r in rows] == [
        ("1", "1", "2.0"),
        ("2", "1", "1.5"),
        ("3", "2", "1.0"),
        ("4", "2", "0.8"),
        ("5", "3", "0.7"),
    ]
    assert (rows[1]["epoch_loss"], rows[1]["val_accuracy"]) == ("1.75", "0.55")
    assert (rows[3]["epoch_accuracy"], rows[3]["val_loss"]) == ("0.55", "")  # an epoch without validation
    assert all(r["epoch_loss"] == "" for r in (rows[0], rows[2], rows[4]))  # the stopped epoch 3 has no figures


def test_a_record_without_batches_is_the_header_alone():
    assert curves_csv(runs.RunRecord(status="queued", run_id="r")) == ",".join(CURVE_COLUMNS) + "\n"
