"""Draw page: draw, pick or upload a digit and see it classified, by one model or by two side by side."""

import numpy as np
import streamlit as st

from hrnn.charts import image_figure, probability_bars
from hrnn.model import ModelFileError
from hrnn.preprocess import canvas_to_mnist, is_blank, load_upload
from hrnn.probe import predict_one
from hrnn.ui.model_picker import pick_model
from hrnn.ui.resources import load_choice, mnist_or_error, model_choices, set_current_input
from hrnn.ui.text import as_text

URL_PATH = "draw"
CANVAS_SIZE = 280
SOURCES = ("Draw", "Test digit", "Upload")
BLANK_PROMPT = "Draw a digit on the canvas (one digit, large, in the middle) and the model will read it."
OPEN_TEST_IMAGE = "open_test_image"  # session key: a test image index another page asks this page to show
NO_COMPARISON = ""


def page():
    """This page for `st.navigation` and `st.switch_page`."""
    return st.Page(render, title="Draw", icon=":material/draw:", url_path=URL_PATH)


def st_canvas(**kwargs):
    """The drawing canvas component (streamlit-drawable-canvas). Imported on first use: the component registers
    itself with the running Streamlit app, which only exists inside a script run. Tests replace this function."""
    from streamlit_drawable_canvas import st_canvas as canvas

    return canvas(**kwargs)


def _drawn_image():
    """The canvas, its controls, and what was drawn as a 28 x 28 image (None while blank)."""
    st.session_state.setdefault("canvas_nonce", 0)
    width = st.session_state.get("pen_width", 22)
    result = st_canvas(
        stroke_width=width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        update_streamlit=True,
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"canvas-{st.session_state['canvas_nonce']}",
    )
    # The controls sit below the canvas, clear of the component's own toolbar.
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.slider("Pen width", 8, 40, 22, key="pen_width")
    if c2.button("Clear", key="clear_canvas", width="stretch"):
        st.session_state["canvas_nonce"] += 1  # a new key gives a new, empty canvas
        st.rerun()
    rgba = result.image_data if result is not None else None
    if rgba is None:
        return None
    image = canvas_to_mnist(rgba)
    return None if is_blank(image) else image


def _test_digit():
    data, error = mnist_or_error()
    if error:
        st.error(as_text(error))
        return None, ""
    n = len(data.y_test)
    c1, c2 = st.columns([3, 1])
    if c2.button("Random", key="random_digit", width="stretch"):
        st.session_state["test_index"] = int(np.random.default_rng().integers(n))
    index = c1.number_input(f"Test image (0 to {n - 1})", 0, n - 1, key="test_index", step=1)
    label = int(data.y_test[index])
    return data.x_test[index].astype(np.float32) / 255.0, f"test image {index} (true label {label})"


def _read_upload():
    """The uploader widget; returns `(file name, bytes)` or None."""
    upload = st.file_uploader(
        "An image of one digit (PNG, JPEG, BMP, GIF, WebP)",
        key="upload",
        type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
    )
    return None if upload is None else (upload.name, upload.getvalue())


def _uploaded_image():
    upload = _read_upload()
    if upload is None:
        return None, ""
    name, data = upload
    try:
        image = load_upload(data)
    except (ValueError, TypeError) as exc:
        st.error(as_text(f"{name}: {exc}"))
        return None, ""
    if is_blank(image):
        st.warning(f"{as_text(name)}: no digit found in this image (it looks empty).")
        return None, ""
    return image, f"upload {name}"


def _show_prediction(model, image, label="Prediction", key="prob_bars"):
    probs = predict_one(model, image)
    digit = int(np.argmax(probs))
    p = float(probs[digit])
    sure = "over 99.9% sure" if p > 0.999 else f"{p:.1%} sure"
    st.metric(label, str(digit), sure, delta_color="off", delta_arrow="off")
    st.plotly_chart(probability_bars(probs), width="stretch", key=key)


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
        st.session_state["input_source"] = "Test digit"
        st.session_state["test_index"] = int(index)


def render():
    st.title("Draw a digit")
    _open_requested_test_image()
    model, label = pick_model()
    other, other_label = _pick_comparison()
    source = st.radio("Input", SOURCES, horizontal=True, key="input_source", label_visibility="collapsed")
    left, right = st.columns(2, gap="large")
    with left:
        if source == "Draw":
            image = _drawn_image()
            origin = "your drawing"
        elif source == "Test digit":
            image, origin = _test_digit()
        else:
            image, origin = _uploaded_image()
    with right:
        if image is None:
            st.info(BLANK_PROMPT if source == "Draw" else "Choose an input on the left.")
            return
        set_current_input(image, origin)
        if model is None:
            st.warning("Pick a model in the sidebar to classify this digit.")
            return
        if other is None:
            st.caption(f"{as_text(origin)} - model: {as_text(label)}")
            _show_prediction(model, image)
        else:
            st.caption(f"{as_text(origin)}, read by two models")
            first, second = st.columns(2)
            with first:
                st.caption(f"Model: {as_text(label)}")
                _show_prediction(model, image)
            with second:
                st.caption(f"Compared with: {as_text(other_label)}")
                _show_prediction(other, image, "Compared model", key="compare_prob_bars")
        st.plotly_chart(image_figure(image), width="stretch", key="model_input")
    st.caption("Open **Inside the network** in the sidebar to see how the model read this digit, row by row.")
