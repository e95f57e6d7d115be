"""A queued run's wait: each run ahead takes the first slot to free, and the run takes the next."""

import pytest

from hrnn.runs.launch.waiting import START_SECONDS, planned_images, run_seconds, wait_seconds
from hrnn.train.config import TrainConfig


@pytest.mark.parametrize(
    "remaining, ahead, capacity, wait",
    [
        ([], [], 1, 0.0),  # nothing trains: it starts now
        ([120.0], [], 2, 0.0),  # a slot is free
        ([120.0], [], 1, 120.0),  # the run training ends first
        ([120.0], [60.0], 1, 180.0),  # then the one before it in line trains
        ([120.0, 30.0], [60.0, 10.0], 2, 100.0),  # the first ahead takes the slot freed at 30, the next at 90
        ([120.0, 30.0, 500.0], [], 2, 30.0),  # a run beyond the capacity (one not responding) holds a slot too
    ],
)
def test_each_run_ahead_takes_the_first_slot_to_free(remaining, ahead, capacity, wait):
    assert wait_seconds(remaining, ahead, capacity) == wait


def test_an_unknown_figure_makes_the_wait_unknown():
    assert wait_seconds([None], [], 1) is None and wait_seconds([10.0], [None], 1) is None


def test_a_runs_length_is_its_images_at_the_speed_of_the_runs_training_plus_its_start():
    config = TrainConfig(epochs=3, val_size=5000).check()
    assert planned_images(config, 60_000) == 3 * 55_000
    assert planned_images(TrainConfig(epochs=2, train_size=1000).check(), 60_000) == 2000
    assert run_seconds(2000, 100.0) == START_SECONDS + 20 and run_seconds(2000, None) is None
