"""Snapshots while a run trains: about `SNAPSHOTS_PER_RUN` of them, one per epoch's end and one at the end, the last
one the final model's own memory and probabilities; none when switched off; a failing one never stops the run."""

import logging

import numpy as np
import pytest

from hrnn.data.splits import grid_indices, prepare_data
from hrnn.nn.memory import image_reader_memory
from hrnn.nn.probe import predict_batch
from hrnn.runs.launch.worker import train_in_folder
from hrnn.runs.store.snapshots import HEADER_NAME, RECORDS_NAME, SnapshotReader, SnapshotWriter
from hrnn.train import tracker as tracker_module
from hrnn.train.config import TrainConfig
from hrnn.train.loop import train
from hrnn.train.progress import Progress
from hrnn.train.snapshots import SNAPSHOTS_PER_RUN, snapshot_every

# 200 images in batches of 2 for 2 epochs: 200 steps, a scheduled snapshot every 2.
TINY = TrainConfig(epochs=2, batch_size=2, row_units=8, image_units=6, validation="none", test_limit=0)
FLOAT16 = dict(rtol=2**-11, atol=1e-5)  # float16 keeps 11 significant bits; the rest is float32 arithmetic


def grid_digits(config, data):
    """The twenty grid digits the tracker reads, as it picks them."""
    x_held, y_held = prepare_data(config, data).held_out()
    idx = grid_indices(y_held)
    return x_held[idx], y_held[idx]


def test_snapshots_are_about_a_hundred_apart_evenly():
    assert SNAPSHOTS_PER_RUN == 100
    assert snapshot_every(987) == 9  # the quick demo on the offline sample: 7 epochs of 141 batches
    assert snapshot_every(50) == 1
    assert snapshot_every(0) == 1


def test_a_run_keeps_its_scheduled_snapshots_and_one_per_epoch_end(tiny_data):
    taken = []
    train(TINY, tiny_data, on_snapshot=taken.append)
    steps = [s.step for s in taken]
    # Every 2nd batch, an epoch's last batch left to its end; the run's end, which keeps the whole memory, is the
    # second epoch's end, not taken twice.
    assert steps == list(range(2, 201, 2))
    assert [s.step for s in taken if s.full] == [200]
    assert [s.samples_seen for s in taken] == [2 * s for s in steps]
    assert all(b.seconds >= a.seconds for a, b in zip(taken, taken[1:]))
    first = taken[0]
    assert first.probs.shape == (20, 10) and first.memory.hidden.shape == (20, 28, 6)


class Clock:
    """A `time` module whose clock moves `tick` seconds at each reading, whatever the machine's load."""

    def __init__(self, tick):
        self.now, self.tick = 0.0, tick

    def perf_counter(self):
        self.now += self.tick
        return self.now


def test_the_grid_is_read_from_the_snapshots_while_they_are_taken(tiny_data, monkeypatch):
    # A reading is due every 0.3 s; a snapshot comes every 2 batches, at most 0.2 s apart on this clock.
    monkeypatch.setattr(tracker_module, "time", Clock(0.05))
    monkeypatch.setattr(tracker_module, "GRID_SECONDS", 0.3)
    readings = []  # images seen at each reading of the grid

    def sink(event):
        if "grid_samples" in event.get("u", {}):
            readings.append(event["u"]["grid_samples"])

    taken = []
    train(TINY, tiny_data, progress=Progress(sink=sink), on_snapshot=taken.append)
    # Every reading but the end's is a snapshot's, not a second call of the model.
    assert readings[-1] == 400 and len(readings) > 10
    assert set(readings[:-1]) <= {s.samples_seen for s in taken}


def test_a_stopped_run_ends_with_a_full_snapshot(tiny_data):
    class StopAfter:
        def __init__(self):
            self.calls = 0

        def is_set(self):
            self.calls += 1
            return self.calls > 30

    taken = []
    train(TINY, tiny_data, on_snapshot=taken.append, stop_event=StopAfter())
    assert taken[-1].full and taken[-1].step == 31
    assert not any(s.full for s in taken[:-1])


def test_the_last_snapshot_read_back_is_the_final_models_memory(tiny_data, tmp_path):
    writer = SnapshotWriter(tmp_path)
    result = train(TINY, tiny_data, keep_model=True, on_snapshot=writer)
    writer.close()
    reader = SnapshotReader(tmp_path)
    times = reader.times()
    assert len(times) == 100 and times[-1].memory and times[-1].step == 200
    last = reader.read(len(times) - 1)
    images, labels = grid_digits(TINY, tiny_data)
    assert reader.header.labels == tuple(int(v) for v in labels)
    model = result.model
    memory = image_reader_memory(model, images)  # the final model, run again
    np.testing.assert_allclose(last.probs, predict_batch(model, images), **FLOAT16)  # the model's own output
    for name in ("hidden", "cell", "input_gate", "forget_gate", "output_gate"):
        np.testing.assert_allclose(getattr(last, name), getattr(memory, name), **FLOAT16, err_msg=name)


def test_a_worker_run_keeps_its_snapshots_in_the_run_folder(tiny_data, tmp_path):
    train_in_folder(TINY, tiny_data, tmp_path, on_snapshot=SnapshotWriter(tmp_path))
    assert len(SnapshotReader(tmp_path).times()) == 100


def test_switching_snapshots_off_takes_none(tiny_data, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a snapshot was taken")

    monkeypatch.setattr(tracker_module, "take_snapshot", refuse)
    train_in_folder(TINY, tiny_data, tmp_path)  # on_snapshot left out: off
    assert not (tmp_path / HEADER_NAME).exists() and not (tmp_path / RECORDS_NAME).exists()


def test_a_baseline_run_takes_no_snapshots(tiny_data):
    taken = []
    train(
        TrainConfig(arch="cnn", epochs=1, batch_size=50, validation="none", test_limit=0),
        tiny_data,
        on_snapshot=taken.append,
    )
    assert taken == []


@pytest.mark.parametrize("failure", [RuntimeError("boom"), OSError(28, "No space left on device")])
def test_a_failing_snapshot_never_stops_the_run(tiny_data, caplog, failure):
    def sink(snapshot):
        raise failure

    with caplog.at_level(logging.DEBUG, logger="hrnn.train.tracker"):
        result = train(TINY, tiny_data, on_snapshot=sink)
    assert result.record.status == "finished"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "snapshot at step 2 failed" in warnings[0].getMessage()


def test_a_snapshot_folder_that_cannot_be_written_never_stops_the_run(tiny_data, tmp_path, deny_access, caplog):
    folder = tmp_path / "run"
    folder.mkdir()
    deny_access(folder, writes_only=True)
    with caplog.at_level(logging.WARNING, logger="hrnn.runs.store.snapshots"):
        result = train(TINY, tiny_data, on_snapshot=SnapshotWriter(folder))
    assert result.record.status == "finished"
    assert any("not kept" in r.getMessage() for r in caplog.records)
