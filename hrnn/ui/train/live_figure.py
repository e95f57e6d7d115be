"""The Train page's live figure of a watched run, built once per run and reading for every session watching it."""

import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from hrnn.ui.train.figures import training_figure

# A training run writes several batches a second and each watcher's page refreshes once a second, at its own moment:
# keyed by the exact batch count, nearly every watcher's refresh would find a batch or two more than the last and
# build the figure again (measured with 18 watchers: half of what a watcher's refresh cost). While a run trains,
# a figure built less than this long ago is shown as it is, unless an epoch ended since: at most this much older.
LIVE_REBUILD_SECONDS = 0.5


def live_figure(run_id, snap, height, live=False):
    """The training figure of the run `run_id` at its snapshot `snap` (`training_figure`), built once for every
    session watching it: a class of 20 watching two runs, each page refreshed every second, builds a few figures a
    second, not twenty. `live`: the run trains and the page will refresh, so a figure up to `LIVE_REBUILD_SECONDS`
    old that lacks only the newest batches may be shown; otherwise (an ended run's page) the figure shows all of
    `snap`. Read-only: Streamlit copies a figure before sending it."""
    last_step = snap.batch_steps[-1] if snap.batch_steps else -1
    shape = (len(snap.batch_steps), last_step, len(snap.epoch_history), snap.epochs, snap.steps_per_epoch)
    latest = _latest(run_id, height)
    with latest.lock:
        if latest.figure is not None and _recent_enough(latest, shape, live):
            return latest.figure
    figure = _live_figure(run_id, shape, height, snap)
    with latest.lock:
        if latest.shape is None or shape[0] >= latest.shape[0]:  # never back to an older reading
            latest.shape, latest.figure, latest.built = shape, figure, time.monotonic()
    return figure


def _recent_enough(latest, shape, live):
    """Whether the figure `latest` holds can stand for the reading `shape`: the same reading; or, on a live page, a
    later reading with no new epoch or setting, while the figure is younger than `LIVE_REBUILD_SECONDS`; or an
    earlier reading than the figure's (a session whose log was read a moment before another's)."""
    if latest.shape == shape:
        return True
    if not live or latest.shape[2:] != shape[2:]:
        return False
    return shape[0] <= latest.shape[0] or time.monotonic() - latest.built < LIVE_REBUILD_SECONDS


@dataclass
class _Latest:
    """The newest figure built of one run at one height, and when."""

    shape: tuple | None = None
    figure: object = None
    built: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(max_entries=32, show_spinner=False)
def _latest(run_id, height):
    return _Latest()


@st.cache_resource(max_entries=32, show_spinner=False)
def _live_figure(run_id, shape, height, _snap):
    """Keyed by the `shape` of what `training_figure` reads of `_snap` (batches, the last one's step, epochs done,
    epochs, steps per epoch: a progress log only grows, so these name its state), not by the snapshot itself, which
    would be hashed at every call."""
    return training_figure(_snap, height=height)
