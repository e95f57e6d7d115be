"""The sidebar's model picker, shared by the Draw, Inside and Evaluate pages.

The session's model lives under its own key (`resources.CURRENT_MODEL`), not under the widget's: Streamlit drops
a widget's state on a page that does not draw it, so a widget key alone would reset the choice on every page change.
"""

import streamlit as st

from hrnn.model import ModelFileError
from hrnn.ui.resources import current_model_key, load_choice_with_key, model_choices, set_current_model
from hrnn.ui.text import as_text

WIDGET_KEY = "model_choice"


def _remember_choice():
    set_current_model(st.session_state[WIDGET_KEY])


def pick_model():
    """Draw the picker in the sidebar; return `(model, label)`, or `(None, "")` after showing why not."""
    model, label, _ = pick_model_with_key()
    return model, label


def pick_model_with_key():
    """As `pick_model`, plus a cache key for the model's file and version: `(model, label, key)` or `(None, "", "")`."""
    model, choice, key = pick_model_choice_with_key()
    return model, (choice.label if model is not None else ""), key


def pick_model_choice():
    """Draw the picker in the sidebar; return `(model, choice)` (a `resources.ModelChoice`), or `(None, choice)`
    after showing why the chosen file cannot be used."""
    model, choice, _ = pick_model_choice_with_key()
    return model, choice


def pick_model_choice_with_key():
    """The picker itself: `(model or None, choice, cache key or "")`."""
    choices = model_choices()
    labels = {c.key: c.label for c in choices}
    keys = list(labels)
    current = current_model_key()
    if current not in keys:
        current = keys[0]
        set_current_model(current)
    st.session_state[WIDGET_KEY] = current  # the widget shows the session's model, whichever page chose it
    key = st.sidebar.selectbox(
        "Model",
        keys,
        format_func=labels.get,
        key=WIDGET_KEY,
        on_change=_remember_choice,
        help="The shipped model, or any saved training run. The choice holds on every page.",
    )
    choice = next(c for c in choices if c.key == key)
    try:
        model, cache_key = load_choice_with_key(choice)
    except ModelFileError as exc:
        st.sidebar.error(f"Cannot use this model: {as_text(exc)}")
        return None, choice, ""
    return model, choice, cache_key
