"""Inside page: one row cursor ties every view of the current input together.

The full script run computes what the page shows, once per input and model (cached: `hrnn.ui.inside.reading`); the
views live in a fragment that only draws, so moving the cursor redraws the views and runs no model; Play is a figure
of its own, animated in the browser (`sweep_figure`).
Below them, "What if?" (`hrnn.ui.inside.what_if.section`) changes what the network reads or holds in mind, in a
fragment of its own, and the page's address holds the input and the experiment (`hrnn.ui.inside.link`).
"""

import numpy as np
import streamlit as st

from hrnn.analysis.interventions import IMAGE_READER, ROW_READER
from hrnn.ui.common.explainers import INSIDE, explain
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.lesson_link import say_ignored, share_box
from hrnn.ui.common.model_picker import model_menu, pick_model_choice_with_key
from hrnn.ui.common.resources import mnist_or_error
from hrnn.ui.common.session import current_input
from hrnn.ui.common.style import CURSOR_PANEL
from hrnn.ui.inside.chart import draw_chart
from hrnn.ui.inside.figures import belief_figure, formation_figure, reading_figure
from hrnn.ui.inside.link import apply_experiment, apply_input, apply_view, read_address, write
from hrnn.ui.inside.narration import describe_row, percent
from hrnn.ui.inside.reading import default_input, read_input, test_digits_map
from hrnn.ui.inside.state_map import state_map_figure
from hrnn.ui.inside.sweep import sweep_figure
from hrnn.ui.inside.units import chosen, units_section
from hrnn.ui.inside.views import inside_applies
from hrnn.ui.inside.what_if.section import what_if

# The row cursor lives in CURSOR_KEY; the slider shows it under the key `slider_key` gives.
CURSOR_KEY, VERSION_KEY = "inside_cursor", "inside_cursor_version"


PARTS = """The network's three parts, named the same on every page:

* the **row reader** (an LSTM, a network with a memory) reads one pixel row from left to right and sums it up in
  {row_units} numbers;
* the **image reader** (a second LSTM) reads those 28 row summaries from top to bottom; after each row, its
  {image_units} numbers (its *state*) hold everything the network knows about the image so far;
* the **classifier** turns the image reader's state into ten digit probabilities.

A *unit* is one of a reader's numbers (one artificial neuron); its value lies between -1 and +1.

An LSTM carries two lists of numbers from step to step: its **memory** (c) and its **state** (h), the part of the
memory it shows. At each step three **gates**, numbers from 0 to 1, decide how much of the memory it keeps (the
forget gate), how much of what it reads it writes in (the input gate) and how much of the memory it shows (the output
gate). *Memory c* and *Gates*, over the units' heatmap, show them."""


def slider_key(state):
    """The key of the row slider now: `inside_row_<n>`, n counting the page's own cursor moves."""
    return f"inside_row_{state[VERSION_KEY] if VERSION_KEY in state else 0}"


def _slider_moved(key):
    if key != slider_key(st.session_state):
        return  # a replaced slider: the browser may still send its last value once; it is not a move
    st.session_state[CURSOR_KEY] = st.session_state[key]


def render():
    st.title("Inside the network")
    how = explain(INSIDE, key="inside_how")
    model, choice, model_key = pick_model_choice_with_key()
    label = choice.label if model is not None else ""
    model_menu(choice)  # on the page too: a phone folds the sidebar away
    if not inside_applies(model):  # a baseline: one sentence instead of the HRNN's views
        return
    if model is None:
        st.warning("Pick a model in the sidebar.")
        return
    data, _ = mnist_or_error()
    link = read_address()  # a lesson link: its digit or drawing, and its experiment
    ignored = apply_input(link, data)
    image, origin = current_input()
    chosen_here, truth = image is None, None
    if chosen_here:
        image, origin, truth = default_input(model_key, model)
        if image is None:
            st.info("Draw, pick or upload a digit on the Draw page first.")
            return
    reading = read_input(model_key, image, model)
    state_map = test_digits_map(model_key, model)
    result = reading.result
    units = {IMAGE_READER: result.image_states.shape[1], ROW_READER: result.row_vectors.shape[1]}
    ignored += apply_experiment(link, image, units, len(data.y_test) if data is not None else 0)
    say_ignored(ignored + apply_view(link))
    if how.open:
        how.markdown(PARTS.format(row_units=result.row_vectors.shape[1], image_units=result.image_states.shape[1]))
    st.text(f"Input: {origin}. Model: {label}.")  # plain text: an upload's file name is the user's string
    if chosen_here:  # why this digit (a model that reads none of them right had no closest call to offer)
        why = (
            "a test digit that this model gets right only late: it changes its mind while reading"
            if result.prediction == truth
            else "a test digit"
        )
        st.caption(f"Nothing drawn or picked yet, so here is {why}. Draw your own on the Draw page.")
    st.markdown(
        f"Prediction: **{result.prediction}** ({percent(result.probs[result.prediction])}); main rival while "
        f"reading: **{reading.rival}**."
    )
    st.session_state.setdefault(CURSOR_KEY, 28)
    with st.container(key="inside_views"):  # a phone's cursor panel sticks while these views scroll, not below them
        st.fragment(_views)(model, model_key, image, reading, state_map)
    st.fragment(_lab)(model, model_key, image, origin, reading, state_map, data)


def _lab(model, model_key, image, origin, reading, state_map, data):
    """What if? and the page's address (a fragment: an experiment redraws this part of the page alone)."""
    chosen = what_if(model, model_key, image, reading, state_map, data)
    write(image, origin, chosen)
    share_box("this digit, its experiment, the units shown and this model")


def _views(model, model_key, image, reading, state_map):
    """The cursor and every view that follows it (a fragment: redrawn on each cursor move, nothing recomputed)."""
    result = reading.result
    prediction, rival = result.prediction, reading.rival
    sweep = st.container()  # above the cursor, drawn once the cursor's row is known: on a phone's first screen
    panel = st.container(key=CURSOR_PANEL)  # on a phone it stays on screen while the views scroll under it
    key = slider_key(st.session_state)
    row = panel.slider(
        "Row cursor: the network has read rows 1 to",
        1,
        28,
        value=st.session_state[CURSOR_KEY],
        key=key,
        on_change=_slider_moved,
        args=(key,),
    )
    with sweep:
        # Play is the browser's: the figure holds all 28 rows as animation frames, so a sweep takes about 3 s and
        # runs no script (19-26 s when each row ran the page again). It shows the cursor's row until played.
        figure = sweep_figure(image, result.step_probs, prediction, rival, row=row)
        draw_chart(figure, "inside_sweep", config=STILL)
        st.caption("▶ Play sweeps rows 1 to 28 in this picture; the cursor below moves every view.")
    st.container(key="inside_story").markdown(f"**{describe_row(image, result.step_probs, row)}**")

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Rows read, rows that mattered")
        figure = reading_figure(image, row, reading.importance.drop, prediction)
        draw_chart(figure, "inside_reading", config=STILL)
        st.caption(_importance_note(reading.importance))
    with right:
        st.subheader(f"What it thinks after row {row}")
        figure = belief_figure(result.step_probs[row - 1], prediction, rival, row)
        draw_chart(figure, "inside_belief", config=STILL)
        figure = formation_figure(result.step_probs, prediction, rival, row)
        draw_chart(figure, "inside_formation", config=STILL)
        st.caption(
            f"Blue is the final answer ({prediction}), orange its main rival ({rival}), grey the other digits. "
            "Watch the lead change hands as the cursor moves; the lines show every row at once, the green line is "
            "the cursor."
        )

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("The state map")
        if state_map is None:
            st.info("No test digits to draw the map with (no MNIST found).")
        else:
            path = state_map.projection.project(result.image_states)  # (28, 2)
            figure = state_map_figure(state_map.points, state_map.labels, path, row, state_map.projection.explained)
            draw_chart(figure, "inside_state_map")
            st.caption(
                f"Each dot is one of {len(state_map.labels):,} test digits after the image reader has read all 28 "
                "rows. Each state is a list of numbers; the map shows it from the two directions in which the digits' "
                "states differ most (a principal component analysis), and each axis says how much of their spread "
                "it shows. The same digits gather in one cloud. The black path is this input's state after rows 1, "
                "2, ..., 28: it starts where every blank top starts and should end (star) in its digit's cloud. "
                "Sharp turns are rows that changed the network's mind; the green dot is the cursor. The map "
                "flattens many numbers into two, so clouds can overlap here that the classifier tells apart."
            )
    with right:
        units_section(model, model_key, image, result, row)
    if chosen():  # a reader or a view picked here: the whole page runs again, and its address takes the choice
        st.rerun()


def _importance_note(importance):
    """How to read the row-importance bars, with what they say for this input."""
    digit, top = importance.digit, float(np.abs(importance.drop).max())
    note = (
        f"Rows below the green outline are not read yet (greyed). Each bar shows how much the probability of {digit} "
        f"falls when that one row is blanked and the image is read again: long blue bars are the rows the answer "
        f"rests on, orange bars (to the left) rows that spoke against it. Blank rows have none."
    )
    if top < 0.1:
        note += f" Here no single row matters much (at most {top:.2f}): the answer survives the loss of any one row."
    return note
