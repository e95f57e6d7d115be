"""Draw page: draw, pick or upload a digit and see it classified, by one model or by two side by side."""

import numpy as np
import streamlit as st

from hrnn.nn.architectures import model_architecture
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.probe import predict_one
from hrnn.ui import pages
from hrnn.ui.common.explainers import DRAW, explain
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.labels import a_digit
from hrnn.ui.common.lesson_link import say_ignored, share_box
from hrnn.ui.common.model_picker import model_menu, pick_model_choice
from hrnn.ui.common.resources import load_choice, mnist_or_error, model_choices
from hrnn.ui.common.session import OPEN_TEST_IMAGE, set_current_input
from hrnn.ui.common.style import PHONE_READING
from hrnn.ui.common.text import as_text
from hrnn.ui.common.verdict import reading_verdict
from hrnn.ui.draw import link as draw_link
from hrnn.ui.draw.figures import image_figure, probability_bars
from hrnn.ui.draw.inputs import drawn_image, picked_test_digit, remember_choice, restore_choice, uploaded_image

SOURCES = ("Draw", "Test digit", "Upload")
PROMPTS = {  # what to do while there is no input yet, by source
    "Draw": "Draw a digit on the canvas (one digit, large, in the middle) and the model will read it.",
    "Test digit": "No test images to pick from.",
    "Upload": "Upload a picture of one digit (a photo or a scan) and the model will read it.",
}
NO_COMPARISON = ""


def _show_prediction(model, image, truth=None, label="Prediction", key="prob_bars"):
    """The model's reading of `image`: right or wrong when its true label `truth` is known, the digit, the ten
    probabilities."""
    probs = predict_one(model, image)
    digit = int(np.argmax(probs))
    p = float(probs[digit])
    sure = "over 99.9% sure" if p > 0.999 else f"{p:.1%} sure"
    if truth is not None:
        verdict = reading_verdict(truth, digit)
        if digit == truth:
            st.success(verdict, icon=":material/check_circle:")
        else:
            st.error(verdict, icon=":material/cancel:")
    st.metric(label, str(digit), sure, delta_color="off", delta_arrow="off")
    st.plotly_chart(probability_bars(probs), width="stretch", key=key, config=STILL)
    return digit, sure


def _phone_reading(digit, sure, truth):
    """The reading in one line, for a phone's first screen: there the prediction comes under the input, below the
    fold (hrnn.ui.common.style shows this line on narrow screens only)."""
    line = f"The model reads **{digit}** ({sure})"
    if truth is not None:
        line += ": right" if digit == truth else f": wrong, it is {a_digit(truth)}"
    st.markdown(line)


def _phone_reading_to_come(reading):
    """Hold the reading's line on a phone before there is one, so that the canvas does not move down under the
    finger when the first reading appears (it did, by one line)."""
    with reading:
        st.markdown(":gray[The model's reading shows here.]")


def _pick_comparison():
    """The sidebar's "Compare with" picker; returns `(model, label)` of a second model, or `(None, "")`."""
    choices = model_choices()
    labels = {NO_COMPARISON: "(no second model)", **{c.key: c.label for c in choices}}
    key = st.sidebar.selectbox(
        "Compare with",
        list(labels),
        format_func=labels.get,
        key="compare_model",
        help="A second model (any architecture) reads the same input, side by side with the first.",
    )
    if key == NO_COMPARISON:
        return None, ""
    choice = next((c for c in choices if c.key == key), None)
    if choice is None:
        return None, ""
    try:
        return load_choice(choice), choice.label
    except ModelFileError as exc:
        st.sidebar.error(f"Cannot compare with this model: {as_text(exc)}")
        return None, ""


def _open_requested_test_image():
    """Show the test image another page asked for (Evaluate's galleries), as if picked here."""
    index = st.session_state.pop(OPEN_TEST_IMAGE, None)
    if index is not None:
        for key, value in (("input_source", "Test digit"), ("test_index", int(index))):
            st.session_state[key] = value
            remember_choice(key, value)


def _look_inside_link(model):
    """A button to the Inside page, for a model that has its views."""
    if "inside" in model_architecture(model).views and st.button(
        "See how it read this digit, row by row", key="open_inside", icon=":material/visibility:"
    ):
        pages.switch_to(pages.INSIDE)


def render():
    st.title("Draw a digit")
    explain(DRAW, key="draw_how")
    say_ignored(draw_link.apply(mnist_or_error()[0]))  # a lesson link's test digit
    _open_requested_test_image()
    model, choice = pick_model_choice()
    other, other_label = _pick_comparison()
    restore_choice("input_source", SOURCES[0])
    with st.container(horizontal=True, vertical_alignment="center", key="draw_choices"):
        source = st.radio("Input", SOURCES, horizontal=True, key="input_source", label_visibility="collapsed")
        model_menu(choice)
    remember_choice("input_source", source)
    _read_the_input(source, model, choice, other, other_label)
    share_box(draw_link.opens(source))


@st.fragment
def _read_the_input(source, model, choice, other, other_label):
    """The input and what the model reads in it. A fragment: a stroke on the canvas, Clear, or a test digit picked
    runs this part of the page alone, not the model pickers and the sidebar above it (pen-up to prediction is most
    of what a person waits for on this page; measure/measure_draw.py measures it)."""
    reading = st.container(key=PHONE_READING)  # filled once the model has read the input
    left, right = st.columns(2, gap="large")
    truth = None
    with left:
        if source == "Draw":
            image = drawn_image()
            origin = "your drawing"
        elif source == "Test digit":
            image, origin, truth = picked_test_digit()
        else:
            image, origin = uploaded_image()
    draw_link.follow(source, st.session_state.get("test_index"))
    with right:
        if image is None:
            st.info(PROMPTS[source])
            _phone_reading_to_come(reading)
            return
        set_current_input(image, origin)
        if model is None:
            st.warning("Pick a model with the **Model** button above: this one cannot be used (the sidebar says why).")
            _phone_reading_to_come(reading)
            return
        if other is None:
            st.caption(f"{as_text(origin)} - model: {as_text(choice.label)}")
            digit, sure = _show_prediction(model, image, truth)
        else:
            # The models' names in one line above both columns, not one above each: a long name on two lines
            # would push its column's prediction below the other's.
            st.caption(
                f"{as_text(origin)}, read by two models: on the left {as_text(choice.label)}; "
                f"on the right {as_text(other_label)}"
            )
            first, second = st.columns(2)
            with first:
                digit, sure = _show_prediction(model, image, truth)
            with second:
                _show_prediction(other, image, truth, key="compare_prob_bars")
        st.plotly_chart(image_figure(image), width="stretch", key="model_input", config=STILL)
        _look_inside_link(model)
    with reading:
        _phone_reading(digit, sure, truth)
