"""The model picker, shared by the Draw, Inside and Evaluate pages: in the sidebar, and as a compact menu on the page.

The session's model lives under its own key (`session.CURRENT_MODEL`), not under the widget's: Streamlit drops
a widget's state on a page that does not draw it, so a widget key alone would reset the choice on every page change.
The page's address names it too (`?model=<run id>`), so that a new tab, a phone or a shared link opens the same
model: an address is read when a session has no model yet, and written whenever a page draws the picker.
"""

import streamlit as st

from hrnn.nn.model_files import ModelFileError
from hrnn.ui.common.model_upload import model_uploader, uploaded_choices
from hrnn.ui.common.resources import PRETRAINED_CHOICE, load_choice_with_key, model_choices
from hrnn.ui.common.session import current_model_key, has_current_model, set_current_model
from hrnn.ui.common.text import as_text

MODEL_PARAM = "model"  # the address's query parameter naming the model (a run id; none for the shipped model)
WIDGET_KEY = "model_choice"
PAGE_WIDGET_KEY = "model_choice_page"  # the same choice, on the page itself (see `model_menu`)


def _remember_choice(key):
    set_current_model(st.session_state[key])


def _model_selectbox(where, key, choices):
    """The "Model" selectbox in `where` (the sidebar, or a container on the page) under widget key `key`, showing
    the session's model; returns the key of the chosen `choices` entry."""
    labels = {c.key: c.label for c in choices}
    keys = list(labels)
    named = st.query_params.get(MODEL_PARAM)
    if not has_current_model() and named:  # a new session opened on an address that names a model
        if named in keys:
            set_current_model(named)
        else:
            where.caption(f"The address names no model of this server ({as_text(named)}): here is the shipped one.")
    current = current_model_key()
    if current not in keys:
        current = keys[0]
        set_current_model(current)
    if current == PRETRAINED_CHOICE or current.startswith("upload-"):  # an upload is this session's alone
        st.query_params.pop(MODEL_PARAM, None)
    else:
        st.query_params[MODEL_PARAM] = current
    st.session_state[key] = current  # the widget shows the session's model, whichever page or widget chose it
    return where.selectbox(
        "Model",
        keys,
        format_func=labels.get,
        key=key,
        on_change=_remember_choice,
        args=(key,),
        help="The shipped model, any saved training run, or a model file you uploaded. The choice holds on every page.",
    )


def pick_model_choice():
    """Draw the picker in the sidebar; return `(model, choice)` (a `resources.ModelChoice`), or `(None, choice)`
    after showing why the chosen file cannot be used."""
    model, choice, _ = pick_model_choice_with_key()
    return model, choice


def pick_model_choice_with_key():
    """The picker itself: `(model or None, choice, cache key or "")`."""
    model_uploader(st.sidebar, "model_upload")  # first: a model just uploaded is the one chosen below
    choices = model_choices() + uploaded_choices()
    key = _model_selectbox(st.sidebar, WIDGET_KEY, choices)
    choice = next(c for c in choices if c.key == key)
    if choice.trained_on:
        st.sidebar.caption(f"Trained on {as_text(choice.trained_on)}.")  # `hrnn.words`, from a kind and a count
    try:
        model, cache_key = load_choice_with_key(choice)
    except ModelFileError as exc:
        st.sidebar.error(f"Cannot use this model: {as_text(exc)}")
        return None, choice, ""
    return model, choice, cache_key


def model_menu(choice):
    """The current model's name on the page, as a button that opens the same choice as the sidebar's picker (key
    `PAGE_WIDGET_KEY`): a phone keeps the sidebar folded away behind an icon. `choice`: the current `ModelChoice`."""
    with st.popover(f"Model: {as_text(choice.label)}", icon=":material/neurology:", key="model_menu"):
        _model_selectbox(st, PAGE_WIDGET_KEY, model_choices() + uploaded_choices())
        st.caption("The same choice as the sidebar's **Model**: it holds on every page.")
        model_uploader(st, "model_upload_page")
