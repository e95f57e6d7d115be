"""Per-session state every page shares (`st.session_state`): the current model and input, and the keys by which
one page asks another to show something."""

import re

import numpy as np
import streamlit as st

from hrnn.ui.common.resources import PRETRAINED_CHOICE

OPEN_TEST_IMAGE = "open_test_image"  # a test image index another page asks the Draw page to show
CURRENT_MODEL = "current_model"  # session key: the model chosen on any page (a model choice key)


def keep_across_pages(name, keys):
    """Keep the values of the widgets keyed `keys` while another page is shown, under session key `name`; call it at
    the top of their page, before they are drawn. Streamlit forgets a widget's value at the end of a run that does
    not draw it, so a visit to another page would reset them; what is kept is put back, as the script's own value."""
    kept = st.session_state.setdefault(name, {})
    kept.update({key: st.session_state[key] for key in keys if key in st.session_state})
    for key, value in kept.items():
        st.session_state[key] = value


def current_model_key():
    """The key of this session's current model (a run id, or "pretrained")."""
    return st.session_state.get(CURRENT_MODEL, PRETRAINED_CHOICE)


def has_current_model():
    """Whether this session has chosen a model yet (a new session has not)."""
    return CURRENT_MODEL in st.session_state


def set_current_model(key):
    """Make `key` (a run id, or "pretrained") this session's model on every page."""
    st.session_state[CURRENT_MODEL] = key


def current_input():
    """This session's current input: `(image28, description)` or `(None, "")`."""
    entry = st.session_state.get("input")
    return (entry["image"], entry["origin"]) if entry else (None, "")


def set_current_input(image28, origin):
    st.session_state["input"] = {"image": np.asarray(image28, np.float32), "origin": origin}


def test_image(data, index):
    """Test image `index` of `data` as an input: `(image28 in [0, 1], description, true label)`. The description
    ("test image 7 (true label 9)") is what pages show and what `test_index_of` reads back."""
    label = int(data.y_test[index])
    return data.x_test[index].astype(np.float32) / 255.0, f"test image {index} (true label {label})", label


_TEST_IMAGE = re.compile(r"^test image (\d+) ")


def test_index_of(origin):
    """The test image index an input's description names (see `test_image`), or None for any other input."""
    found = _TEST_IMAGE.match(origin or "")
    return int(found.group(1)) if found else None
