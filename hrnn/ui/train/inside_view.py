"""The Train page's inside view: for one watched grid digit, the image reader's hidden states (Inside's heatmap, in
Inside's unit order), its ten probabilities and the grid's verdicts, all from one snapshot of the run
(`hrnn.runs.store.snapshots`): the latest while the run trains (the live panel redraws it every second, less often
for a crowd: `crowd`), any of them once it has ended (a slider, and Play, an animation in the browser). The app never
runs the model for this: it reads what the run's worker wrote.

The watched digit and the moment are in the address (`&grid=3&moment=57`, `hrnn.ui.train.link`), so "Share this view"
opens the replay where it was.
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from hrnn.analysis.units import order_units
from hrnn.runs.store.records import RecordError
from hrnn.runs.store.snapshots import SnapshotReader
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.lesson_link import say_ignored
from hrnn.ui.common.states_figure import SHOWN_UNITS, states_figure
from hrnn.ui.common.style import WATCHED_DIGIT
from hrnn.ui.common.text import as_text
from hrnn.ui.train import link as train_link
from hrnn.ui.train.inside_figures import (
    MEANING,
    moment_words,
    probability_figure,
    reading_words,
    states_through_run,
)
from hrnn.ui.train.live_grid import grid_picture

DIGIT_KEY, MOMENT_KEY, RUN_KEY = WATCHED_DIGIT, "inside_moment", "inside_run"
NO_SNAPSHOTS = (
    "This run keeps no snapshots (it was trained before they were kept, or it is not a hierarchical RNN): there is "
    "no inside view or replay, only its final state, the grid as it read the digits at the end."
)


@dataclass(frozen=True)
class Moment:
    """What the inside view shows: one snapshot of the run, for the watched digit."""

    path: str  # the run folder
    times: tuple  # every snapshot so far (`SnapshotTime`)
    labels: tuple  # the grid digits' true labels
    digit: int  # the watched grid digit, an index
    at: int  # the snapshot shown, an index of `times`
    live: bool  # the run trains: the latest snapshot, no replay
    probs: np.ndarray  # (digits, classes) at `at`
    hidden: np.ndarray  # (digits, 28, units) at `at`

    @property
    def label(self):
        return self.labels[self.digit]


@st.cache_resource(max_entries=64, show_spinner=False)
def _reader(path):
    """One reader per run folder for every session: it follows the file as it grows, reading only what is new."""
    return SnapshotReader(path)


@st.cache_data(max_entries=16, show_spinner=False)
def _history(path, count, digit):
    """`(hidden (count, 28, units), probs (count, classes))` of grid digit `digit` at the run's first `count`
    snapshots, for the replay's frames (read once per run, digit and count, for every session)."""
    reader = _reader(path)
    shots = [reader.read(k) for k in range(count)]
    return np.stack([s.hidden[digit] for s in shots]), np.stack([s.probs[digit] for s in shots])


# The figures of one moment, built once for every session that shows it (as the live figure and grid are): each
# watcher of a live run would otherwise build the same three figures again every second. A snapshot never changes,
# so its index names it; the arrays are passed unhashed (`_`). Read-only: Streamlit copies a figure to send it.
@st.cache_resource(max_entries=64, show_spinner=False)
def _moment_figure(path, at, digit, _hidden):
    """The digit's hidden states at snapshot `at`, Inside's heatmap in Inside's unit order."""
    hidden = _hidden[digit]
    order = order_units(hidden)[:SHOWN_UNITS]
    return states_figure(hidden[:, order], order, None, MEANING, height=400)


@st.cache_resource(max_entries=64, show_spinner=False)
def _probability_figure(path, at, digit, label, _probs):
    """The digit's ten probabilities at snapshot `at`."""
    return probability_figure(_probs[digit], label)


@st.cache_resource(max_entries=16, show_spinner=False)
def _through_run_figure(path, count, digit, at, label, _times, _played):
    """The digit's hidden states through the ended run (its `count` snapshots, `_times`), at `at`, with Play's
    frames."""
    history, probs = _played
    order = order_units(history[-1])[:SHOWN_UNITS]  # the final model's order, as Inside shows it
    return states_through_run(history, probs, _times, label, order, at, height=440)


def _chosen(run_id, digits, count, live):
    """The watched digit and moment, from the address when it is new (its bad values said in one line), else from
    this session; a new run starts at its first digit and its last moment."""
    if st.session_state.get(RUN_KEY) != run_id:
        st.session_state[RUN_KEY] = run_id
        st.session_state.pop(MOMENT_KEY, None)
    digit, moment, reasons = train_link.apply_replay(digits, count)
    say_ignored(reasons)
    if digit is not None:
        st.session_state[DIGIT_KEY] = digit
    if moment is not None:
        st.session_state[MOMENT_KEY] = moment
    digit = st.session_state.get(DIGIT_KEY)
    if not isinstance(digit, int) or not 0 <= digit < digits:
        digit = st.session_state[DIGIT_KEY] = 0
    at = st.session_state.get(MOMENT_KEY)
    if live or not isinstance(at, int) or not 0 <= at < count:
        at = count - 1
    if not live:
        st.session_state[MOMENT_KEY] = at
    train_link.write_replay(digit, None if live else at)
    return digit, at


def moment_of(entry):
    """The `Moment` to show for the run `entry`, or None with one line saying why (no snapshots, not yet, damaged)."""
    path = str(entry.folder.path)
    reader = _reader(path)
    if not reader.has_snapshots:
        if entry.active:
            st.caption("Its inside comes with its first snapshot, after the first few batches.")
        else:
            st.caption(NO_SNAPSHOTS)
            say_ignored(train_link.apply_replay(0, 0)[2])  # a digit or moment in its address: nothing to show
        return None
    try:
        times, header = reader.times(), reader.header
        if not times:
            st.caption("Its inside comes with its first snapshot, after the first few batches.")
            return None
        digit, at = _chosen(entry.run_id, header.digits, len(times), entry.active)
        shot = reader.read(at)
    except RecordError as exc:
        st.warning(f"The snapshots of this run cannot be read: {as_text(exc)}")
        return None
    return Moment(path, tuple(times), header.labels, digit, at, entry.active, shot.probs, shot.hidden)


def _played(moment):
    """`(hidden (moments, 28, units), probs (moments, classes))` of the watched digit through the ended run, for Play;
    None, with one warning line, when a record cannot be read."""
    try:
        return _history(moment.path, len(moment.times), moment.digit)
    except RecordError as exc:  # a damaged record: the moment alone, no Play
        st.warning(f"Part of the snapshots of this run cannot be read, so it cannot be played: {as_text(exc)}")
        return None


def heatmap(moment):
    """The watched digit's hidden states at the moment (under the curves); with Play once the run has ended."""
    played = None if moment.live else _played(moment)
    if played is not None:
        figure = _through_run_figure(
            moment.path, len(moment.times), moment.digit, moment.at, moment.label, moment.times, played
        )
        st.markdown(f"**Inside, grid digit {moment.digit + 1} (a {moment.label}), through the run**")
    else:
        figure = _moment_figure(moment.path, moment.at, moment.digit, moment.hidden)
        st.markdown(
            f"**Inside, grid digit {moment.digit + 1} (a {moment.label})**, {moment_words(moment.times[moment.at])}: "
            f"{reading_words(moment.probs[moment.digit], moment.label)}"
        )
    st.plotly_chart(figure, width="stretch", key="inside_heatmap", config=STILL)
    st.caption(
        "Each column is one of the image reader's units (its 32 busiest here, as on Inside), each line its value after "
        "reading that pixel row (blue +, red -). Early on every digit looks alike inside: the lines hardly change "
        "from row to row. Watch the rows that matter light up: the rows with strokes start to move the units, and "
        "each digit settles into a pattern of its own."
    )


def grid_and_probabilities(moment, images):
    """The grid's verdicts at the moment, the watched digit outlined, a button per digit to watch it, and its ten
    probabilities (beside the curves)."""
    predictions = [int(k) for k in moment.probs.argmax(axis=1)]
    right = sum(p == t for p, t in zip(predictions, moment.labels))
    if len(images) == len(moment.labels):  # else a progress log without the grid's pictures: the verdicts in words
        st.markdown("**The twenty grid digits at this moment** (green: right, red: wrong)")
        reading = ("snapshot", moment.at, tuple(predictions))  # one picture per run, moment and digit, shared
        picture = grid_picture(moment.path, reading, images, moment.labels, predictions, marked=moment.digit)
        st.image(picture, width="stretch", output_format="PNG")  # PNG: sent as it is (live_grid)
    st.caption(f"It reads {right} of {len(moment.labels)} right {moment_words(moment.times[moment.at])}.")
    st.pills(
        "Watch a digit: its place in the grid, and what it is",
        list(range(len(moment.labels))),
        format_func=lambda k: f"{k + 1}: {moment.labels[k]}",
        key=DIGIT_KEY,
        on_change=_keep_digit,
    )
    figure = _probability_figure(moment.path, moment.at, moment.digit, moment.label, moment.probs)
    st.plotly_chart(figure, width="stretch", key="inside_probs", config=STILL)


def _keep_digit():
    """Pills deselect on a second tap: the digit watched stays the last one chosen."""
    if st.session_state.get(DIGIT_KEY) is None:
        st.session_state[DIGIT_KEY] = st.session_state.get("inside_last_digit", 0)
    st.session_state["inside_last_digit"] = st.session_state[DIGIT_KEY]


def replay(moment):
    """Once the run has ended: a slider over its snapshots (the page's moment) and what Play does."""
    if moment.live or len(moment.times) < 2:
        return
    times = moment.times
    st.select_slider(
        "Replay: the moment shown",
        options=list(range(len(times))),
        format_func=lambda k: f"{k + 1} of {len(times)}: {moment_words(times[k])}",
        key=MOMENT_KEY,
    )
    st.caption(
        f"The run kept {len(times)} snapshots. Move the slider to see the heatmap, the probabilities and the grid at "
        "any of them, or press *Play the run* on the heatmap to watch its states form, moment by moment. "
        "Share this view (below) opens this digit at this moment."
    )
