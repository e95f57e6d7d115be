"""The controls of Inside's "What if?": which experiment, and the settings of each (their state: `state`).

* Erase rows: the rows (buttons and a band slider), and a button that erases the fewest rows that change the answer;
* Hold a unit: which reader, which unit (busiest first), the value it is held at and the row it is held from;
* Transplant rows: a gallery of one test digit per class to take rows from, and the rows.
"""

import numpy as np
import streamlit as st

from hrnn.analysis.interventions import IMAGE_READER, ROW_READER, smallest_flip
from hrnn.analysis.units import order_units
from hrnn.nn.probe import predict_batch
from hrnn.ui.common.digit_grid import thumbnail
from hrnn.ui.common.labels import a_digit
from hrnn.ui.inside.what_if.row_picker import row_picker
from hrnn.ui.inside.what_if.state import ERASE, HOLD, KIND_KEY, KINDS, NO_UNIT, keys, reset

READERS = {IMAGE_READER: "Image reader (its state)", ROW_READER: "Row reader (its row summaries)"}
GALLERY_ROW = 5  # donor digits per row: two rows of five
GALLERY_PX = 480  # the gallery's width at most: thumbnails of about 90 px (a phone's screen is narrower: it fills it)


def kind_control():
    """The experiment chosen (a key of `KINDS`)."""
    st.session_state.setdefault(KIND_KEY, ERASE)
    kind = st.segmented_control(
        "Experiment", list(KINDS), format_func=KINDS.get, key=KIND_KEY, required=True, label_visibility="collapsed"
    )
    return kind or ERASE


def reset_button(image):
    st.button(
        "Reset", key="what_if_reset", icon=":material/undo:", on_click=reset, args=(image,), help="Back to untouched."
    )


def _find_flip(model, image, drop):
    k = keys(image)
    flip = smallest_flip(lambda batch: predict_batch(model, batch[..., None]), image, drop)
    if flip is None:
        st.session_state[k.rows] = []
        st.session_state[k.note] = "Erasing every row with ink in it does not change its answer."
    else:
        st.session_state[k.rows] = sorted(r + 1 for r in flip.rows)
        n = len(flip.rows)
        st.session_state[k.note] = f"Erasing these {n} row{'s' if n != 1 else ''} changes its answer to {flip.digit}."


def erase_controls(model, image, drop):
    """Rows to erase, and the search for the fewest that change the answer (`drop`: `RowImportance.drop`, its order)."""
    k = keys(image)
    row_picker("Rows to erase", k.rows, help="Those rows become background, and the model reads the digit again.")
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Find the fewest rows that change its answer",
            key="what_if_flip",
            icon=":material/search:",
            on_click=_find_flip,
            args=(model, image, drop),
        )
        reset_button(image)
    if k.note in st.session_state:
        st.caption(st.session_state[k.note])


def hold_controls(image, reading):
    """Which unit of which reader to hold, at what value, from which row (`reading`: the page's `Reading`, whose
    states order the units, busiest first)."""
    k = keys(image)
    result = reading.result
    layer = st.radio("Reader", list(READERS), format_func=READERS.get, key=k.layer, horizontal=True)
    states = result.image_states if layer == IMAGE_READER else result.row_vectors  # (28, units)
    units = [NO_UNIT, *(int(u) for u in order_units(states, "variance"))]
    if st.session_state.get(k.unit, NO_UNIT) not in units:  # a unit of the other reader, which has fewer
        st.session_state[k.unit] = NO_UNIT
    c1, c2, c3 = st.columns(3)
    c1.selectbox(
        "Unit to hold",
        units,
        format_func=lambda u: "(none: untouched)" if u == NO_UNIT else f"unit {u}",
        key=k.unit,
        help="Busiest first: the units that change most while reading this digit.",
    )
    c2.slider("Held at (0 zeroes it)", -1.0, 1.0, step=0.05, key=k.value, help="A unit's value lies from -1 to +1.")
    c3.slider("From row", 1, 28, key=k.start, help="It is held after this row and every row below it.")
    reset_button(image)


def donor_gallery(data):
    """The test digits offered to take rows from: the first of each digit, 0 to 9 (the same on every server with
    the same data)."""
    return [int(np.flatnonzero(data.y_test == d)[0]) for d in range(10) if (data.y_test == d).any()]


def _pick_donor(key, index):
    st.session_state[key] = index


def transplant_controls(image, data):
    """A gallery of test digits to take rows from, and the rows."""
    k = keys(image)
    st.session_state.setdefault(k.donor, None)
    chosen = st.session_state[k.donor]
    indices = donor_gallery(data)
    st.caption("Take rows from:")
    with st.container(gap="xsmall", key="what_if_donors", width=GALLERY_PX):
        for start in range(0, len(indices), GALLERY_ROW):
            with st.container(horizontal=True, wrap=False, gap="xsmall"):
                for index in indices[start : start + GALLERY_ROW]:
                    with st.container(gap=None, horizontal_alignment="center"):
                        st.image(thumbnail(data.x_test[index], 2), width="stretch")
                        st.button(
                            a_digit(int(data.y_test[index])),
                            key=f"what_if_donor_{index}",
                            on_click=_pick_donor,
                            args=(k.donor, index),
                            type="primary" if index == chosen else "secondary",
                            width="stretch",
                            help=f"Test digit {index}",
                        )
    if chosen is not None and chosen not in indices:
        st.caption(f"Rows come from test digit {chosen} ({a_digit(int(data.y_test[chosen]))}).")
    row_picker("Rows to transplant", k.moved, help="These rows of this digit become the same rows of the other.")
    reset_button(image)


def controls(kind, model, image, reading, data):
    """The chosen experiment's controls."""
    if kind == HOLD:
        hold_controls(image, reading)
    elif kind == ERASE:
        erase_controls(model, image, reading.importance.drop)
    elif data is not None:
        transplant_controls(image, data)
    else:
        st.info("No test digits to take rows from (no MNIST found).")
