"""A run's curves as CSV (`hrnn.runs.store.export`): one row per batch, each epoch's figures on its last batch."""

import csv
import io

from hrnn import runs
from hrnn.runs.store.export import CURVE_COLUMNS, curves_csv
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


def test_a_record_with_epochs_only_gives_one_row_per_epoch():
    record = runs.RunRecord(status="finished", run_id="shipped")  # the shipped model's record keeps no batches
    record.history.epochs = [EpochEntry(1, 0.5, 0.85, 0.2, 0.95), EpochEntry(2, 0.2, 0.94, 0.1, 0.97)]
    rows = list(csv.DictReader(io.StringIO(curves_csv(record))))
    assert [(r["epoch"], r["epoch_loss"], r["val_accuracy"], r["step"]) for r in rows] == [
        ("1", "0.5", "0.95", ""),
        ("2", "0.2", "0.97", ""),
    ]


def test_a_shared_record_carries_no_token_pid_or_server_path():
    from hrnn.runs.store.export import shareable_record

    values = {
        "run_id": "r",
        "token": "secret",
        "pid": 4242,
        "data": "MNIST .npz (/srv/data/mnist.npz): 60,000 training and 10,000 test images",
        "error": "OSError: /home/teacher/runs/r/model.keras could not be saved",
        "history": {"epochs": [{"epoch": 1, "loss": 0.5, "accuracy": 0.8}]},
        "versions": {"python": "3.11.7"},
    }
    shared = shareable_record(values)
    assert "token" not in shared and "pid" not in shared
    assert shared["data"] == "MNIST .npz (…/mnist.npz): 60,000 training and 10,000 test images"
    assert shared["error"] == "OSError: …/model.keras could not be saved"
    assert shared["history"] == values["history"] and shared["versions"] == values["versions"]
    assert values["token"] == "secret"  # a copy: the record itself is untouched
