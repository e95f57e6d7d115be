"""Inside the network's "What if?": change what the network reads or holds in mind and see what it reads then, beside
what it read untouched. Three experiments (`hrnn.ui.inside.what_if.controls`): erase rows, hold a unit of a reader at a
value from a row on, transplant rows from another test digit. Each is shown as a difference from the untouched run:
the input with the changed rows outlined, the ten probabilities before and after, the state map with both paths,
and the image reader's state, changed minus untouched. Reset undoes it in one click.

A change runs the image reader's 28 steps in numpy from the row summaries the page has already
(`hrnn.analysis.interventions`, about a millisecond), and the section is a fragment: the views above are not redrawn.
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from hrnn.analysis.interventions import IMAGE_READER, blank_row_vector, erase_rows, intervene, replace_rows
from hrnn.analysis.stepwise import hrnn_weights
from hrnn.nn.probe import probe
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.labels import a_digit
from hrnn.ui.inside.narration import percent
from hrnn.ui.inside.what_if.controls import controls, kind_control
from hrnn.ui.inside.what_if.figures import changed_image_figure, delta_figure, two_paths_figure, what_if_bars
from hrnn.ui.inside.what_if.state import ERASE, HOLD, experiment, init

DELTA_UNITS = 32  # the most changed units shown in the difference heatmap
HINTS = {
    ERASE: "Erase rows to see how much the answer rests on them. The bars above say which rows mattered.",
    HOLD: "Pick a unit to hold: the network then reads on with that number fixed, as if that neuron were stuck.",
    "transplant": "Pick a digit and rows: this digit's rows are replaced by the same rows of that one.",
}


@st.cache_resource(max_entries=6, show_spinner=False)
def _weights(model_key, _model):
    """The model's weights as numpy arrays, and the row reader's summary of a blank row (once per model)."""
    del model_key
    weights = hrnn_weights(_model)
    return weights, blank_row_vector(weights)


@st.cache_resource(max_entries=64, show_spinner=False)
def _donor(model_key, index, _model, _data):
    """Test digit `index`: its image `(28, 28)` and its row summaries `(28, row_units)` (once per model and digit)."""
    del model_key
    image = _data.x_test[index].astype(np.float32) / 255.0
    return image, probe(_model, image).row_vectors


@dataclass(frozen=True)
class Outcome:
    """An experiment's result beside the untouched reading."""

    before: object  # hrnn.analysis.interventions.Reading, untouched
    after: object  # the same, changed
    image: np.ndarray  # (28, 28) the input as the network now reads it
    rows: tuple  # 1-based rows changed (outlined)
    words: str  # what was done, for the sentence: "3 rows erased"
    label: str  # the changed run's name in the bars' legend


def _rows_text(rows):
    """ "row 4", "rows 3 to 6", "rows 3, 4 and 9"."""
    rows = sorted(rows)
    if len(rows) == 1:
        return f"row {rows[0]}"
    if len(rows) > 2 and rows == list(range(rows[0], rows[-1] + 1)):
        return f"rows {rows[0]} to {rows[-1]}"
    return "rows " + ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"


def outcome(model, model_key, image, row_vectors, chosen, data):
    """The `Outcome` of `chosen` (a touched `Experiment`) on `image`, whose row summaries are `row_vectors`."""
    weights, blank = _weights(model_key, model)
    before = intervene(weights, row_vectors)
    rows0 = [r - 1 for r in chosen.rows]
    if chosen.kind == ERASE:
        after = intervene(weights, replace_rows(row_vectors, rows0, blank))
        words = f"{len(rows0)} row{'s' if len(rows0) != 1 else ''} erased"
        return Outcome(before, after, erase_rows(image, rows0), chosen.rows, words, "rows erased")
    if chosen.kind == HOLD:
        clamp = chosen.clamp.check(weights)
        after = intervene(weights, row_vectors, clamp)
        reader = "image reader" if clamp.layer == IMAGE_READER else "row reader"
        words = f"unit {clamp.unit} of the {reader} held at {clamp.value:+.2f} from row {clamp.from_row + 1} on"
        return Outcome(before, after, np.asarray(image), (), words, "unit held")
    donor_image, donor_vectors = _donor(model_key, chosen.donor, model, data)
    after = intervene(weights, replace_rows(row_vectors, rows0, donor_vectors))
    edited = np.array(image, dtype=np.float32)
    edited[rows0] = donor_image[rows0]
    donor = f"test digit {chosen.donor} ({a_digit(int(data.y_test[chosen.donor]))})"
    words = f"{_rows_text(chosen.rows)} taken from {donor}"
    return Outcome(before, after, edited, chosen.rows, words, "rows transplanted")


def _show(result, chosen, state_map):
    before, after = result.before, result.after
    changed = "a different answer" if after.digit != before.digit else "the same answer"
    st.markdown(
        f"With {result.words} it reads **{after.digit}** ({percent(after.probs[after.digit])}): {changed}. "
        f"Untouched, it read **{before.digit}** ({percent(before.probs[before.digit])})."
    )
    held = chosen.clamp.from_row + 1 if chosen.kind == HOLD else None
    title = "held from the shaded row on" if held else "as the network now reads it"
    left, right = st.columns(2, gap="large")
    with left:
        figure = changed_image_figure(result.image, result.rows, title, held_from=held)
        st.plotly_chart(figure, key="what_if_image", config=STILL)
    with right:
        st.plotly_chart(what_if_bars(before.probs, after.probs, result.label), key="what_if_bars", config=STILL)
    left, right = st.columns(2, gap="large")
    with left:
        if state_map is not None:
            figure = two_paths_figure(state_map, before.image_states, after.image_states)
            st.plotly_chart(figure, key="what_if_map")
            st.caption("The state map: black, the untouched reading; dashed vermillion, the changed one.")
    with right:
        delta = after.image_states - before.image_states  # (28, image_units)
        units = np.argsort(-np.abs(delta).max(axis=0), kind="stable")[:DELTA_UNITS]
        st.plotly_chart(delta_figure(delta[:, units], units), key="what_if_delta", config=STILL)
        st.caption(
            "The image reader's state after each row, changed minus untouched, for the units that changed most: "
            "blue where it is higher than untouched, red where lower, white where nothing changed."
        )


def what_if(model, model_key, image, reading, state_map, data):
    """The section, for `image` `(28, 28)` whose untouched reading is the Inside page's `reading`. Returns the
    `Experiment` shown (for the page's address)."""
    st.subheader("What if ...?")
    st.caption("Change what the network reads or holds in mind, and see what it reads then, beside what it read.")
    init(image)
    kind = kind_control()
    controls(kind, model, image, reading, data)
    chosen = experiment(image)
    if not chosen.touched:
        st.caption(HINTS[kind])
        return chosen
    _show(outcome(model, model_key, image, reading.result.row_vectors, chosen, data), chosen, state_map)
    return chosen
