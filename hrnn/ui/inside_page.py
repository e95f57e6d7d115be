"""Inside page: the hidden states for the current input, and how the prediction forms row by row."""

import numpy as np
import streamlit as st

from hrnn.charts import image_figure, states_figure, step_probs_figure
from hrnn.probe import final_column_states, probe
from hrnn.splits import to_model_input
from hrnn.ui.model_picker import pick_model
from hrnn.ui.resources import current_input, mnist_or_error
from hrnn.ui.text import as_text
from hrnn.ui.views import inside_applies
from hrnn.units import ORDERINGS, class_separation, order_units

SEPARATION_IMAGES = 1000


@st.cache_resource(max_entries=6, show_spinner="Scoring units on test images...")
def _separation(model_key, _model):
    """Per-unit class separation of the column encoder's final state over the first test images."""
    data, error = mnist_or_error()
    if error:
        return None
    images = to_model_input(data.x_test[:SEPARATION_IMAGES])
    return class_separation(final_column_states(_model, images), data.y_test[:SEPARATION_IMAGES])


def _default_input():
    data, error = mnist_or_error()
    if error:
        return None, ""
    return data.x_test[0].astype(np.float32) / 255.0, f"test image 0 (true label {int(data.y_test[0])})"


def render():
    st.title("Inside the network")
    st.markdown(
        "The **row encoder** (an LSTM) reads each pixel row left to right and sums it up as one vector. The "
        "**column encoder** (a second LSTM) then reads those 28 row vectors from top to bottom; its hidden state "
        "after row *t* is everything the network knows about the image so far. The classifier turns that state "
        "into digit probabilities, so applying it after every row shows the prediction forming."
    )
    model, label = pick_model()
    if not inside_applies(model):  # a baseline: one sentence instead of the HRNN's views
        return
    image, origin = current_input()
    if image is None:
        image, origin = _default_input()
        if image is None:
            st.info("Draw, pick or upload a digit on the Draw page first.")
            return
    if model is None:
        st.warning("Pick a model in the sidebar.")
        return
    result = probe(model, image)
    p = result.probs[result.prediction]
    st.caption(f"Input: {as_text(origin)} - prediction **{result.prediction}** ({p:.1%}) - model: {as_text(label)}")

    c1, c2 = st.columns(2)
    ordering = c1.selectbox("Order units by", list(ORDERINGS), format_func=ORDERINGS.get, key="unit_order")
    n_units = result.column_states.shape[1]
    shown = n_units
    if n_units > 8:
        shown = c2.slider("Units shown", 8, n_units, min(64, n_units), key="units_shown")
    separation = None
    if ordering == "separation":
        separation = _separation(label, model)
        if separation is None:
            st.warning("No test images to score units with; ordering by variance instead.")
            ordering = "variance"
    order = order_units(result.column_states, ordering, separation)[:shown]

    st.subheader("Column LSTM: hidden state after each row")
    st.plotly_chart(
        states_figure(image, result.column_states[:, order], order, "column-LSTM state"),
        width="stretch",
        key="column_states",
    )
    st.subheader("How the prediction forms, row by row")
    c1, c2 = st.columns([1, 3])
    c1.plotly_chart(image_figure(image, title="input"), width="stretch", key="inside_input")
    c2.plotly_chart(step_probs_figure(result.step_probs), width="stretch", key="step_probs")
    st.subheader("Row encoder: one vector per pixel row")
    row_order = order_units(result.row_encodings, "variance" if ordering != "index" else "index")[:shown]
    st.plotly_chart(
        states_figure(image, result.row_encodings[:, row_order], row_order, "row encoding"),
        width="stretch",
        key="row_encodings",
    )
