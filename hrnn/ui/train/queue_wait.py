"""A queued run's wait, in words, for the Train page: a guess from the runs ahead of it (`hrnn.runs.launch.waiting`),
from the progress of the runs training now and the settings of the runs queued before it."""

import functools

from hrnn import runs
from hrnn.runs.launch.waiting import planned_images, run_seconds, wait_seconds
from hrnn.ui.common.resources import mnist_or_error, run_snapshot
from hrnn.ui.common.run_names import ordinal


def _snapshot(entry):
    try:
        return run_snapshot(entry)
    except runs.RecordError:
        return None


@functools.lru_cache(maxsize=1024)
def _config(path):
    """The `TrainConfig` of the run folder at `path`, from its settings (written once, before the run is listed, so
    kept: every session watching a queued run asks each second), or None when they cannot be read."""
    try:
        return runs.RunFolder(path).read_settings().config
    except runs.RecordError:
        return None


def _seconds(entry, n_images, speed):
    """Seconds the run of `entry` takes from its start, at `speed` images/s; None when not known."""
    config = _config(str(entry.path))
    return run_seconds(planned_images(config, n_images), speed) if config is not None else None


def wait_estimate(entry, entries, capacity):
    """Seconds the queued run `entry` will wait (0: a slot is free for it), or None when it cannot be told: nothing
    training has a speed yet, or a run ahead cannot be read. `entries`: every run of the runs folder (`list_runs`);
    `capacity`: how many train at once."""
    data, _ = mnist_or_error()
    if data is None:
        return None
    n_images = len(data.y_train)
    training = [e for e in entries if e.live and e.status == "running"]
    snaps = [_snapshot(e) for e in training]
    speeds = [s.samples_per_second for s in snaps if s is not None and s.samples_per_second > 0]
    speed = sum(speeds) / len(speeds) if speeds else None
    remaining = [
        s.eta_seconds if s is not None and s.eta_seconds is not None else _seconds(e, n_images, speed)
        for e, s in zip(training, snaps)
    ]
    mine = (entry.summary.created, entry.run_id)
    ahead = [_seconds(e, n_images, speed) for e in runs.queue_order(entries) if (e.summary.created, e.run_id) < mine]
    return wait_seconds(remaining, ahead, capacity)


def wait_words(seconds):
    """ "about 4 min" for a wait of `seconds`; None when it is not known."""
    if seconds is None:
        return None
    if seconds < 60:
        return "less than a minute"
    return f"about {max(1, round(seconds / 60))} min"


def queued_words(entry, entries, capacity):
    """ "Queued, 2nd in line: it should start in about 4 min (...)": the queued run `entry`'s place and wait."""
    if not entry.queue_position:
        return "Queued, waiting: it starts when one of the runs training now ends"
    place = f"{ordinal(entry.queue_position)} in line"
    wait = wait_words(wait_estimate(entry, entries, capacity))
    if wait is None:
        return f"Queued, {place}: it starts when one of the runs training now ends"
    return f"Queued, {place}: it should start in {wait} (a guess from the runs ahead of it)"
