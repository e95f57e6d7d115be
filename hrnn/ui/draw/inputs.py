"""The Draw page's three inputs: the canvas, the gallery of test digits, and an uploaded picture. Each returns the
28 x 28 image the model reads (None while there is none), and keeps its choices while another page shows."""

import numpy as np
import streamlit as st

from hrnn.data.drawing import decode_drawing
from hrnn.data.preprocess import canvas_to_mnist, image_to_mnist, is_blank, upload_picture
from hrnn.ui.common.digit_grid import thumbnail
from hrnn.ui.common.resources import mnist_or_error
from hrnn.ui.common.session import test_image
from hrnn.ui.common.text import as_text
from hrnn.ui.draw.canvas import drawing_canvas

GALLERY_SIZE, GALLERY_ROW = 12, 6  # test digits offered as thumbnails, in rows of 6 (53 px each on a phone)
KEPT = "draw_kept"  # session key: {widget key: value} of this page's choices, kept while another page shows
GALLERY = "draw_gallery"  # session key: the test image indices the gallery shows
CANVAS_NONCE = "canvas_nonce"  # session key: how many times Clear was pressed (the canvas's key counts them)


def restore_choice(key, default):
    """Give widget `key` the value it had when this page last drew it, else `default`. Streamlit forgets the state
    of a widget that a run does not draw, so without this a visit to another page would reset the choice."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(KEPT, {}).get(key, default)


def remember_choice(key, value):
    """Keep `value`, widget `key`'s value now, for `restore_choice`."""
    st.session_state.setdefault(KEPT, {})[key] = value


def canvas_key(nonce):
    """The canvas's Streamlit key after `nonce` Clears: each Clear gives a new key, so a new, empty canvas. Its value
    in the session state is `{"drawing": <PNG data URL>}` once something is drawn."""
    return f"canvas-{nonce}"


def _clear():
    """Clear's callback: the canvas gets a new key, so the run the click starts shows a new, empty one."""
    st.session_state[CANVAS_NONCE] = st.session_state.get(CANVAS_NONCE, 0) + 1


def drawn_image():
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
    remember_choice("test_index", index)


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


def picked_test_digit():
    """A test image picked from the gallery or by its index: `(image28, description, true label)`, or
    `(None, "", None)` without data."""
    data, error = mnist_or_error()
    if error:
        st.error(as_text(error))
        return None, "", None
    n = len(data.y_test)
    indices = _gallery_indices(n)
    restore_choice("test_index", indices[0])  # at first, the gallery's first image: the one read is one of those shown
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
    remember_choice("test_index", index)
    return test_image(data, index)


UPLOAD_PREVIEW_PX = 120


def read_upload():
    """The uploader widget; returns `(file name, bytes)` or None."""
    upload = st.file_uploader(
        "An image of one digit (PNG, JPEG, BMP, GIF, WebP)",
        key="upload",
        type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
    )
    return None if upload is None else (upload.name, upload.getvalue())


def uploaded_image():
    """The uploader and a preview of the picture sent: `(image28, description)`, or `(None, "")` while there is none or
    it cannot be read (the reason shown)."""
    upload = read_upload()
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
