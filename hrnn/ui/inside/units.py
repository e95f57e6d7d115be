"""The Inside page's units section: a reader's units, step by step, as heatmaps in one unit order.

Two choices: the reader (the image reader, whose steps are rows, or the row reader) and what of it is shown: its
state h, its memory c (beside h), or its three gates. The row reader's state is shown as its summary of every row;
its memory and gates over the 28 pixels of the cursor's row, the one it reads at each step of the image reader. Every
view orders the units as the state h view does (`hrnn.analysis.units.order_units` on that reader's h), so a column is
the same unit whichever view is chosen.
"""

import streamlit as st

from hrnn.analysis.units import ORDERINGS, order_units
from hrnn.ui.common.states_figure import states_figure
from hrnn.ui.inside.chart import draw_chart
from hrnn.ui.inside.heatmaps import GATE, SIGNED, Panel, panels_figure
from hrnn.ui.inside.reading import read_memory

IMAGE, ROW = "image_reader", "row_reader"
LAYERS = {IMAGE: "Image reader", ROW: "Row reader"}
STATE, MEMORY, GATES = "state", "memory", "gates"
VIEWS = {STATE: "State h", MEMORY: "Memory c", GATES: "Gates"}
LAYER_KEY, VIEW_KEY = "inside_layer", "inside_unit_view"  # the two choices' widget keys
CHOSEN_KEY = "inside_units_chosen"  # set when a person changes a choice: the address then takes it (`chosen`)

GATE_NOTE = (
    "Each gate is a number from 0 (shut, white) to 1 (open, dark purple) for every unit at every {step}.\n\n"
    "* **f, the forget gate**: how much of its memory it keeps from the {step} before.\n"
    "* **i, the input gate**: how much of what it reads at this {step} it writes into its memory.\n"
    "* **o, the output gate**: how much of its memory it shows as its state h.\n\n"
    "After each {step}: memory c = f × the memory before + i × what it reads, and h = o × tanh(c)."
)


def _choice_made():
    st.session_state[CHOSEN_KEY] = True


def chosen():
    """True once after a person changed the reader or the view (the page then writes its address again)."""
    return st.session_state.pop(CHOSEN_KEY, False)


def units_section(model, model_key, image, result, row):
    """The section: its two choices, the unit order and count, and the chosen heatmap with what it means.

    Args:
        model, model_key: the model (its memory is computed once per input, when a view first shows it).
        image: `(28, 28)` the input; result: its `ProbeResult`; row: the cursor, 1..28.
    """
    with st.container(key="inside_units"):
        _section(model, model_key, image, result, row)


def _section(model, model_key, image, result, row):
    st.subheader("The units, row by row")
    layer = st.radio(
        "Reader", list(LAYERS), format_func=LAYERS.get, horizontal=True, key=LAYER_KEY,
        label_visibility="collapsed", on_change=_choice_made,
    )  # fmt: skip
    view = st.radio(
        "Show",
        list(VIEWS),
        format_func=VIEWS.get,
        horizontal=True,
        key=VIEW_KEY,
        on_change=_choice_made,
        help="State h: what the reader shows after each step (what the next part reads). Memory c: what it keeps "
        "in mind from step to step. Gates: how it updates that memory at each step.",
    )  # fmt: skip  (one heatmap figure at a time: every heatmap on the page is redrawn on every cursor move)
    states = result.image_states if layer == IMAGE else result.row_vectors  # (28, units): the h that orders
    c1, c2 = st.columns(2)
    ordering = c1.selectbox(
        "Order units by",
        list(ORDERINGS),
        format_func=ORDERINGS.get,
        key="unit_order",
        help="Busiest first: the units that change most while reading this image. When it reacts: by the row at "
        "which the unit changes most, top rows first. Unit number: as stored in the model.",
    )
    most = max(result.image_states.shape[1], result.row_vectors.shape[1])  # one slider serves both layers
    shown = most
    if most > 8:
        shown = c2.slider("Units shown", 8, most, min(32, most), key="units_shown")
    order = order_units(states, ordering)[:shown]
    if view == STATE:
        _states(states, order, ordering, layer, row)
        return
    memory = read_memory(model_key, image, model)
    if layer == IMAGE:
        steps, pixels, key = memory.image_reader, None, {MEMORY: "inside_image_memory", GATES: "inside_image_gates"}
        at, where = 0, {"row": row}
    else:
        steps, pixels, key = memory.row_reader, image[row - 1], {MEMORY: "inside_row_memory", GATES: "inside_row_gates"}
        at, where = row - 1, {"pixels": pixels}
        st.markdown(f"**Row {row}, pixel by pixel** (the row under the cursor)")
    if view == MEMORY:
        panels = [
            Panel("h: shown", steps.hidden[at][:, order], "h, the state it shows"),
            Panel("c: memory", steps.cell[at][:, order], "c, the memory it keeps"),
        ]
        draw_chart(panels_figure(panels, order, SIGNED, **where), key[MEMORY])
        st.caption(_memory_note(layer, row))
    else:
        panels = [
            Panel("f: kept", steps.forget_gate[at][:, order], "forget gate: the share of the memory kept"),
            Panel("i: written", steps.input_gate[at][:, order], "input gate: the share of the new content written"),
            Panel("o: shown", steps.output_gate[at][:, order], "output gate: the share of the memory shown as h"),
        ]
        draw_chart(panels_figure(panels, order, GATE, **where), key[GATES])
        st.caption(GATE_NOTE.format(step="row" if layer == IMAGE else "pixel"))


def _memory_note(layer, row):
    """What the memory view shows, for `layer`."""
    if layer == IMAGE:
        return (
            "**c** is the memory the image reader carries from row to row: at each row it keeps part of it and writes "
            "something new. **h**, its state (the heatmap of *State h*, in the same colours), is the part of that "
            "memory it shows, squeezed between -1 and +1; the memory grows beyond them and has a colour scale of its "
            "own (under it). Each column is the same unit in both, in the order chosen above."
        )
    return (
        f"**c** is the memory the row reader carries from pixel to pixel along row {row}, starting empty at its left "
        "end; **h** is the part it shows (each has its colour scale under it). Its h after the last pixel is its "
        f"summary of the row, the line of row {row} in *State h*, which the image reader reads. The strip on the "
        "left is the row's ink, pixel 1 (its left end) at the top."
    )


def _states(states, order, ordering, layer, row):
    """The state h view: the image reader's state after each row, or the row reader's summary of each row."""
    if layer == IMAGE:
        meaning = "the image reader's unit after reading rows 1 to this row (-1 to +1)"
        draw_chart(states_figure(states[:, order], order, row, meaning), "inside_image_reader")
        staircase = (
            "Ordered by when they react, as here, the units go from the top of the digit to the bottom, a staircase "
            "where each reacts to one part"
            if ordering == "reaction"
            else "Order them by *when it reacts* and they go from the top of the digit to the bottom, a staircase "
            "where each reacts to one part"
        )
        st.caption(
            f"A unit is one of the {states.shape[1]} numbers the image reader keeps in its memory. Each column is "
            "one unit, each line its value after that row (blue +, red -). "
            f"{staircase}. Units that stay constant through the blank rows and flip at one row are reacting to that "
            "row."
        )
    else:
        meaning = "the row reader's unit for this pixel row alone (-1 to +1)"
        draw_chart(states_figure(states[:, order], order, row, meaning), "inside_row_reader")
        st.caption(
            "Each line is the row reader's summary of one pixel row, made without looking at any other row: "
            "identical rows (all the blank ones) get identical lines. These 28 lines are what the image reader "
            "reads, top to bottom."
        )
