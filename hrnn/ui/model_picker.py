"""The sidebar's model picker, shared by the Draw and Inside pages."""

import streamlit as st

from hrnn.model import ModelFileError
from hrnn.ui.resources import load_choice_with_key, model_choices


def pick_model():
    """Draw the picker in the sidebar; return `(model, label)`, or `(None, "")` after showing why not."""
    model, label, _ = pick_model_with_key()
    return model, label


def pick_model_with_key():
    """As `pick_model`, plus a cache key for the model's file and version: `(model, label, key)` or `(None, "", "")`."""
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
        model, cache_key = load_choice_with_key(choice)
    except ModelFileError as exc:
        st.sidebar.error(f"Cannot use this model: {exc}")
        return None, "", ""
    return model, choice.label, cache_key
