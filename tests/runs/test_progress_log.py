"""The progress log: what a worker writes, a reader in another process rebuilds, line by line."""

import numpy as np
import pytest

from hrnn.runs.store.progress_log import ProgressLogReader, ProgressLogWriter
from hrnn.train.config import TrainConfig
from hrnn.train.history import EpochEntry
from hrnn.train.loop import train
from hrnn.train.progress import Progress
from tests.support.run_files import grid_line


def test_a_reader_rebuilds_exactly_what_the_training_loop_published(tiny_data, tmp_path):
    path = tmp_path / "progress.jsonl"
    writer = ProgressLogWriter(path)
    progress = Progress(sink=writer)
    train(TrainConfig(epochs=2, row_units=8, image_units=8, val_size=50), tiny_data, progress=progress)
    writer.close()
    written, read = progress.snapshot(), ProgressLogReader(path).snapshot()
    grid_images = read.grid_images
    read.grid_images = written.grid_images = []
    assert read == written
    np.testing.assert_array_equal(np.stack(grid_images), np.stack(progress.snapshot().grid_images))
    assert read.status == "finished" and len(read.batch_loss) == 12 and len(read.epoch_history) == 2
    lines = path.read_text().splitlines()
    assert sum('"b":' in line for line in lines) == 12  # one line per batch
    assert sum('"e":' in line for line in lines) == 2  # one line per epoch


def test_reading_is_incremental_and_waits_for_the_end_of_a_line(tmp_path):
    path = tmp_path / "progress.jsonl"
    writer = ProgressLogWriter(path)
    progress = Progress(sink=writer)
    reader = ProgressLogReader(path)
    assert reader.snapshot().batch_loss == []  # no log yet
    progress.add_batch(1, 2.3, 0.1, step=1, samples_seen=32)
    assert reader.snapshot().batch_loss == [2.3]
    with open(path, "ab") as fh:  # a line being written: half of it is there
        fh.write(b'{"b":[2,2.2,0.2],"u":{"st')
    assert reader.snapshot().batch_loss == [2.3]
    with open(path, "ab") as fh:
        fh.write(b'ep":2}}\n')
    snap = reader.snapshot()
    assert snap.batch_loss == [2.3, 2.2] and snap.step == 2 and snap.samples_seen == 32
    assert reader.snapshot() is snap  # unchanged file: nothing read, the same snapshot


def test_a_bad_line_is_skipped_and_reading_goes_on(tmp_path):
    path = tmp_path / "progress.jsonl"
    path.write_bytes(
        b'{"u":{"epochs":3}}\nnot json\n{"u":{"epochs":"three"}}\n{"b":["x",1,2]}\n[1,2]\n{"b":[1,2.0,0.5],"u":{}}\n'
    )
    reader = ProgressLogReader(path)
    snap = reader.snapshot()
    assert snap.epochs == 3 and snap.batch_loss == [2.0] and reader.skipped_lines == 4


def test_a_replaced_log_is_read_from_its_start(tmp_path):
    path = tmp_path / "progress.jsonl"
    path.write_bytes(b'{"b":[1,2.0,0.5]}\n{"b":[2,1.9,0.5]}\n')
    reader = ProgressLogReader(path)
    assert reader.snapshot().batch_loss == [2.0, 1.9]
    replacement = tmp_path / "new.jsonl"
    replacement.write_bytes(b'{"b":[1,1.0,0.5]}\n')
    replacement.replace(path)
    assert reader.snapshot().batch_loss == [1.0]


def test_the_fast_path_reads_plain_numbers_as_the_general_reader_does():
    from hrnn.runs.store.progress_log import decode_event

    event = decode_event(b'{"b":[3,2.5,1],"u":{"step":3,"samples_seen":96,"eta_seconds":null,"elapsed_seconds":2}}')
    assert event["b"] == [3, 2.5, 1.0] and type(event["b"][0]) is int
    assert event["u"] == {"step": 3, "samples_seen": 96, "eta_seconds": None, "elapsed_seconds": 2.0}
    assert type(event["u"]["elapsed_seconds"]) is float and type(event["u"]["samples_seen"]) is int


def test_a_log_over_the_budget_is_read_thinned_with_every_epoch_and_the_latest_counts(tmp_path, monkeypatch):
    import hrnn.runs.store.progress_log as progress_log

    path = tmp_path / "progress.jsonl"
    writer = ProgressLogWriter(path)
    progress = Progress(sink=writer)
    for step in range(1, 1003):
        progress.add_batch(step, 1.0 / step, 0.5, step=step, samples_seen=32 * step)
        if step % 250 == 0:
            progress.add_epoch(EpochEntry(epoch=step // 250, loss=0.1, accuracy=0.9), epoch=step // 250)
    progress.update(phase="done")  # not a batch line: the last batch line comes before it
    writer.close()
    whole = ProgressLogReader(path).snapshot()
    monkeypatch.setattr(progress_log, "BATCH_LINES_BUDGET_BYTES", path.stat().st_size // 4 + 1)  # so k = 4
    monkeypatch.setattr(progress_log, "CHUNK_BYTES", 10_000)  # and read in many pieces
    reader = ProgressLogReader(path)
    thin = reader.snapshot()
    assert reader.thinned
    assert thin.batch_steps == [s for s in range(1, 1001) if s % 4 == 0] + [1002]  # every 4th batch, and the last
    assert thin.batch_loss == [1.0 / s for s in thin.batch_steps]
    assert thin.samples_seen == whole.samples_seen == 32 * 1002 and thin.phase == "done"
    assert thin.epoch_history == whole.epoch_history and len(thin.epoch_history) == 4


@pytest.mark.parametrize(
    "images, labels, predictions",
    [(25, 20, 20), (20, 25, 0), (20, 20, 25), (20, 20, 3), (0, 20, 20)],
    ids=["images", "labels", "predictions", "few-predictions", "no-images"],
)
def test_a_digit_grid_of_lists_that_disagree_is_left_out_and_named(tmp_path, images, labels, predictions):
    path = tmp_path / "progress.jsonl"
    path.write_bytes(grid_line(20, 20, 20) + grid_line(images, labels, predictions))
    reader = ProgressLogReader(path)
    snap = reader.snapshot()
    assert (snap.grid_images, snap.grid_labels, snap.grid_predictions, snap.grid_confidences) == ([], [], [], [])
    assert str(reader.problem).startswith("progress.jsonl: the digit grid has ") and "\n" not in str(reader.problem)
