"""The Train page's live figure of a watched run, built once per run and new batch for every session watching it."""

import streamlit as st

from hrnn.ui.train.figures import training_figure


def live_figure(run_id, snap, height):
    """The training figure of the run `run_id` at its snapshot `snap` (`training_figure`), built once for every
    session watching it: a class of 20 watching two runs, each page refreshed every second, builds two figures a
    second, not twenty. Read-only: Streamlit copies a figure before sending it."""
    last_step = snap.batch_steps[-1] if snap.batch_steps else -1
    shape = (len(snap.batch_steps), last_step, len(snap.epoch_history), snap.epochs, snap.steps_per_epoch)
    return _live_figure(run_id, shape, height, snap)


@st.cache_resource(max_entries=32, show_spinner=False)
def _live_figure(run_id, shape, height, _snap):
    """Keyed by the `shape` of what `training_figure` reads of `_snap` (batches, the last one's step, epochs done,
    epochs, steps per epoch: a progress log only grows, so these name its state), not by the snapshot itself, which
    would be hashed at every call."""
    return training_figure(_snap, height=height)
