"""Draw page: draw, pick or upload a digit and see it classified, by one model or by two side by side."""

import numpy as np
import streamlit as st

from hrnn.data.drawing import decode_drawing
from hrnn.data.preprocess import canvas_to_mnist, image_to_mnist, is_blank, upload_picture
from hrnn.nn.architectures import model_architecture
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.probe import predict_one
from hrnn.ui import pages
from hrnn.ui.common.digit_grid import thumbnail
from hrnn.ui.common.explainers import DRAW, explain
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.labels import a_digit
from hrnn.ui.common.lesson_link import say_ignored, share_box
from hrnn.ui.common.model_picker import model_menu, pick_model_choice
from hrnn.ui.common.resources import load_choice, mnist_or_error, model_choices
from hrnn.ui.common.session import OPEN_TEST_IMAGE, set_current_input, test_image
from hrnn.ui.common.style import PHONE_READING
from hrnn.ui.common.text import as_text
from hrnn.ui.common.verdict import reading_verdict
from hrnn.ui.draw import link as draw_link
from hrnn.ui.draw.canvas import drawing_canvas
from hrnn.ui.draw.figures import image_figure, probability_bars

SOURCES = ("Draw", "Test digit", "Upload")
PROMPTS = {  # what to do while there is no input yet, by source
    "Draw": "Draw a digit on the canvas (one digit, large, in the middle) and the model will read it.",
    "Test digit": "No test images to pick from.",
    "Upload": "Upload a picture of one digit (a photo or a scan) and the model will read it.",
}
NO_COMPARISON = ""
GALLERY_SIZE, GALLERY_ROW = 12, 6  # test digits offered as thumbnails, in rows of 6 (53 px each on a phone)
KEPT = "draw_kept"  # session key: {widget key: value} of this page's choices, kept while another page shows
GALLERY = "draw_gallery"  # session key: the test image indices the gallery shows
CANVAS_NONCE = "canvas_nonce"  # session key: how many times Clear was pressed (the canvas's key counts them)


def _restore(key, default):
    """Give widget `key` the value it had when this page last drew it, else `default`. Streamlit forgets the state
    of a widget that a run does not draw, so without this a visit to another page would reset the choice."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(KEPT, {}).get(key, default)


def _remember(key, value):
    """Keep `value`, widget `key`'s value now, for `_restore`."""
    st.session_state.setdefault(KEPT, {})[key] = value


def canvas_key(nonce):
    """The canvas's Streamlit key after `nonce` Clears: each Clear gives a new key, so a new, empty canvas. Its value
    in the session state is `{"drawing": <PNG data URL>}` once something is drawn."""
    return f"canvas-{nonce}"


def _clear():
    """Clear's callback: the canvas gets a new key, so the run the click starts shows a new, empty one."""
    st.session_state[CANVAS_NONCE] = st.session_state.get(CANVAS_NONCE, 0) + 1


def _drawn_image():
    """The canvas, its controls, and what was drawn as a 28 x 28 image (None while blank or unreadable)."""
    with st.container(horizontal=True, vertical_alignment="bottom", key="canvas_controls"):
        width = st.slider("Pen width", 8, 40, 22, key="pen_width")
        st.button("Clear", key="clear_canvas", icon=":material/delete:", help="Start again.", on_click=_clear)
    with st.container(horizontal_alignment="center", key="canvas_box"):
        drawing = drawing_canvas(canvas_key(st.session_state.setdefault(CANVAS_NONCE, 0)), width)
    if drawing is None:
        return None
    try:
        image = canvas_to_mnist(decode_drawing(drawing))
    except ValueError as exc:
        st.error(f"The canvas sent a drawing that cannot be read ({as_text(exc)}): clear it and draw again.")
        return None
    return None if is_blank(image) else image


def _pick_test_image(index):
    st.session_state["test_index"] = index
    _remember("test_index", index)


def _shuffle_gallery(n):
    """New random test images for the gallery, from `n`."""
    count = min(GALLERY_SIZE, n)
    st.session_state[GALLERY] = [int(i) for i in np.random.default_rng().choice(n, count, replace=False)]


def _gallery_indices(n):
    """The test images (of `n`) the gallery offers, drawn at random the first time and after the data change."""
    if any(i >= n for i in st.session_state.get(GALLERY, [n])):  # none yet, or drawn from other data
        _shuffle_gallery(n)
    return st.session_state[GALLERY]


def _gallery(indices, data, chosen):
    """Thumbnails of test images `indices`; one click on an image or its button (key `pick_test_<index>`) picks it."""
    with st.container(gap="xsmall", key="test_gallery"):
        for start in range(0, len(indices), GALLERY_ROW):
            with st.container(horizontal=True, wrap=False, gap="xsmall"):  # rows that never wrap: a tidy grid
                for index in indices[start : start + GALLERY_ROW]:
                    # The button lies over its picture too (hrnn.ui.common.style), so a click on the picture picks it.
                    with st.container(gap=None, horizontal_alignment="center", key=f"thumb_{index}"):
                        st.image(thumbnail(data.x_test[index]), width="stretch")
                        st.button(
                            str(index),
                            key=f"pick_test_{index}",
                            on_click=_pick_test_image,
                            args=(index,),
                            type="primary" if index == chosen else "tertiary",
                            width="stretch",
                            help=f"Read test image {index}",
                        )


def _test_digit():
    """A test image picked from the gallery or by its index: `(image28, description, true label)`, or
    `(None, "", None)` without data."""
    data, error = mnist_or_error()
    if error:
        st.error(as_text(error))
        return None, "", None
    n = len(data.y_test)
    indices = _gallery_indices(n)
    _restore("test_index", indices[0])  # at first, the gallery's first image: the one read is one of those shown
    st.session_state["test_index"] = min(int(st.session_state["test_index"]), n - 1)  # the data may have changed
    _gallery(indices, data, st.session_state["test_index"])
    with st.container(horizontal=True, vertical_alignment="bottom", key="test_controls"):
        index = st.number_input(f"Test image (0 to {n - 1})", 0, n - 1, key="test_index", step=1)
        st.button(
            "Shuffle",
            key="shuffle_gallery",
            icon=":material/shuffle:",
            on_click=_shuffle_gallery,
            args=(n,),
            help=f"{GALLERY_SIZE} other test images",
        )
    _remember("test_index", index)
    return test_image(data, index)


UPLOAD_PREVIEW_PX = 120


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
        picture = upload_picture(data)  # 8-bit whatever the file held (16-bit, floats): a preview can encode it
        image = image_to_mnist(picture)
    except (ValueError, TypeError) as exc:
        st.error(as_text(f"{name}: {exc}"))
        return None, ""
    with st.container(border=True, width="content"):  # framed: a white picture on the white page has no edge
        st.image(picture, width=UPLOAD_PREVIEW_PX, caption="Your picture, as sent")
    if is_blank(image):
        st.warning(f"{as_text(name)}: no digit found in this image (it looks empty).")
        return None, ""
    return image, f"upload {name}"


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
            _remember(key, value)


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
    _restore("input_source", SOURCES[0])
    with st.container(horizontal=True, vertical_alignment="center", key="draw_choices"):
        source = st.radio("Input", SOURCES, horizontal=True, key="input_source", label_visibility="collapsed")
        model_menu(choice)
    _remember("input_source", source)
    _read_the_input(source, model, choice, other, other_label)
    share_box(draw_link.opens(source))


@st.fragment
def _read_the_input(source, model, choice, other, other_label):
    """The input and what the model reads in it. A fragment: a stroke on the canvas, Clear, or a test digit picked
    runs this part of the page alone, not the model pickers and the sidebar above it (pen-up to prediction is most
    of what a person waits for on this page; tests/e2e/measure_draw.py measures it)."""
    reading = st.container(key=PHONE_READING)  # filled once the model has read the input
    left, right = st.columns(2, gap="large")
    truth = None
    with left:
        if source == "Draw":
            image = _drawn_image()
            origin = "your drawing"
        elif source == "Test digit":
            image, origin, truth = _test_digit()
        else:
            image, origin = _uploaded_image()
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
