"""Every session watching a run shares one live figure per state of its progress log."""

import dataclasses

import pytest

from hrnn.train.history import EpochEntry
from hrnn.train.progress import ProgressSnapshot
from hrnn.ui.train import live_figure as live_figure_module
from hrnn.ui.train.live_figure import live_figure


def _snapshot(batches, epochs_done=0):
    return ProgressSnapshot(
        epochs=2,
        steps_per_epoch=10,
        batch_steps=list(range(1, batches + 1)),
        batch_loss=[2.0 - 0.05 * i for i in range(batches)],
        batch_accuracy=[0.1 + 0.02 * i for i in range(batches)],
        epoch_history=[EpochEntry(epoch=1, loss=1.0, accuracy=0.5, val_loss=0.9, val_accuracy=0.6)][:epochs_done],
    )


def _last_batch_x(figure):
    (trace,) = [t for t in figure.data if t.meta == "batch_loss"]
    return trace.x[-1]


def test_sessions_at_the_same_point_of_a_run_share_its_figure_and_a_new_batch_or_epoch_makes_a_new_one():
    first = live_figure("run-a", _snapshot(5), 400)
    # Another session's snapshot of the same log, equal but not the same object: the figure is not built again.
    assert live_figure("run-a", dataclasses.replace(_snapshot(5)), 400) is first
    assert _last_batch_x(first) == pytest.approx(0.5)
    grown = live_figure("run-a", _snapshot(6), 400)
    assert grown is not first and _last_batch_x(grown) == pytest.approx(0.6)  # the new batch is on it
    ended = live_figure("run-a", _snapshot(10, epochs_done=1), 400)
    (validation,) = [t for t in ended.data if t.meta == "validation_accuracy"]
    assert list(validation.y) == [0.6]
    # Another run, or another height, at the same point is its own figure.
    assert live_figure("run-b", _snapshot(5), 400) is not first
    assert live_figure("run-a", _snapshot(5), 300).layout.height == 300


def test_a_live_page_is_shown_a_figure_at_most_half_a_second_behind_and_never_one_older_than_its_own(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(live_figure_module.time, "monotonic", lambda: clock[0])
    first = live_figure("run-live", _snapshot(5), 400, live=True)
    assert _last_batch_x(first) == pytest.approx(0.5)
    # Watchers refresh at their own moments, a batch or two apart: within the interval they share the figure...
    clock[0] += live_figure_module.LIVE_REBUILD_SECONDS / 2
    assert live_figure("run-live", _snapshot(6), 400, live=True) is first
    # ...a page of an ended run is never shown one behind its own reading...
    assert _last_batch_x(live_figure("run-live", _snapshot(6), 400)) == pytest.approx(0.6)
    # ...nor a live page once an epoch has ended (its validation point)...
    with_epoch = live_figure("run-live", _snapshot(7, epochs_done=1), 400, live=True)
    assert _last_batch_x(with_epoch) == pytest.approx(0.7)
    # ...and after the interval the figure is built again with every batch so far.
    clock[0] += live_figure_module.LIVE_REBUILD_SECONDS
    newer = live_figure("run-live", _snapshot(9, epochs_done=1), 400, live=True)
    assert _last_batch_x(newer) == pytest.approx(0.9)
    # A session that read the log a moment earlier is shown the newer figure, not one going back, however late.
    clock[0] += 2 * live_figure_module.LIVE_REBUILD_SECONDS
    assert live_figure("run-live", _snapshot(8, epochs_done=1), 400, live=True) is newer
