"""Run folders written before the current record format still read, list and compare.

`fixtures/20261130-000000-old1` was written by hrnn 0.1.0 as it stood before the record gained typed epoch entries
and stored image counts (commit 3819539: `train(...)` with 200 training images, 2 epochs, validation on 40 of 50
held-out images, a test on 60)."""

import shutil
from pathlib import Path

from hrnn import runs
from hrnn.runs import compare
from hrnn.train.history import EpochEntry
from hrnn.ui.common.run_names import run_name

OLD = Path(__file__).parent / "fixtures" / "20261130-000000-old1"


def test_an_old_record_reads_with_typed_epochs_and_no_counts(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    record = runs.RunFolder(tmp_path / OLD.name).read_record()
    assert record.status == "finished" and record.config.row_units == 8 and record.test_images == 60
    assert [type(e) for e in record.history.epochs] == [EpochEntry, EpochEntry]
    assert record.history.epochs[1].epoch == 2 and record.history.epochs[1].val_accuracy is not None
    assert record.train_images is None and record.val_images is None  # not counted then: unknown, never guessed


def test_an_old_run_is_listed_and_compared(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    (entry,) = runs.list_runs(tmp_path)
    assert entry.readable and entry.status == "finished" and run_name(entry).startswith("custom HRNN, 2 of 2 epochs")
    record = entry.read_record()
    assert compare.samples_per_epoch(record) == 200  # 400 images seen over 2 finished epochs
    assert compare.curves(record).samples == [200, 400]
    assert compare.results(record)["held-out accuracy"] == record.history.epochs[-1].val_accuracy


def test_a_new_record_counts_its_images_and_reads_back_the_same(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    folder = runs.RunFolder(tmp_path / OLD.name)
    record = folder.read_record()
    record.train_images, record.val_images = 200, 40
    folder.write_record(record)
    again = folder.read_record()
    assert again == record and compare.samples_per_epoch(again) == 200
