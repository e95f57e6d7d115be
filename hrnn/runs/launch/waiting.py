"""How long a queued run will wait: a guess from the runs ahead of it (standard library and `hrnn.data.splits`).

The queue serves runs in the order of their Starts, `capacity` at once (`hrnn.runs.launch.slots`, or Ray's CPUs). A run
waits until the runs training now and the runs queued before it have each had a slot: each of those takes the
first slot that frees, and the run takes the next. The runs training now end when their progress says (its
estimate of the time left); a queued run takes as long as its images need at the speed the runs training now
reach, plus `START_SECONDS`. A guess, not a promise: a run stopped early, or a faster or slower model, moves it.
"""

import heapq

from hrnn.data.splits import held_out_count

START_SECONDS = 10.0  # a run's start before its first batch: a fresh worker imports TensorFlow, loads the data


def planned_images(config, n_images):
    """How many images a run of `config` trains on, all epochs together, from a training set of `n_images` (the
    held-out images taken off first, as `hrnn.data.splits` does)."""
    available = n_images - held_out_count(n_images, config)
    per_epoch = min(config.train_size, available) if config.train_size else available
    return config.epochs * per_epoch


def run_seconds(images, images_per_second):
    """Seconds a run of `images` images (all epochs) takes at `images_per_second`, its start included; None when
    the speed is not known (None or 0)."""
    return START_SECONDS + images / images_per_second if images_per_second else None


def wait_seconds(remaining, ahead, capacity):
    """Seconds until a queued run gets a slot.

    Args:
        remaining: seconds each run training now has left.
        ahead: seconds each run queued before it takes, first in line first.
        capacity: how many runs train at once (a run training beyond it, one that stopped responding, counts too).

    Returns:
        The seconds, 0 when a slot is free for it now; None when any figure is None (not known).
    """
    if None in remaining or None in ahead:
        return None
    free_at = [*remaining, *[0.0] * max(0, capacity - len(remaining))]  # when each slot frees
    heapq.heapify(free_at)
    for seconds in ahead:
        heapq.heapreplace(free_at, free_at[0] + seconds)  # the next in line takes the first slot to free
    return max(free_at[0], 0.0)
