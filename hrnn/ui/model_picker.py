"""The sidebar's model picker, shared by the Draw and Inside pages."""

import streamlit as st

from hrnn.model import ModelFileError
from hrnn.ui.resources import load_choice, model_choices
from hrnn.ui.text import as_text


def pick_model():
    """Draw the picker in the sidebar; return `(model, label)`, or `(None, "")` after showing why not."""
    choices = model_choices()
    labels = {c.key: c.label for c in choices}
    keys = list(labels)
    if st.session_state.get("model_choice") not in keys:
        st.session_state["model_choice"] = keys[0]
    key = st.sidebar.selectbox(
        "Model", keys, format_func=labels.get, key="model_choice", help="The shipped model, or any saved training run."
    )
    choice = next(c for c in choices if c.key == key)
    try:
        return load_choice(choice), choice.label
    except ModelFileError as exc:
        st.sidebar.error(f"Cannot use this model: {as_text(exc)}")
        return None, ""
