"""Inside the network's "What if?": erase rows of the input and see what the model reads then, beside what it read
untouched; one button erases the fewest rows (found greedily, by each row's importance) that change its answer.

The rows erased belong to one input: the widget's key carries a digest of the image, so another digit starts with
none. Each change runs the model once on one image (a few milliseconds) and draws two figures.
"""

import hashlib

import numpy as np
import streamlit as st

from hrnn.analysis.interventions import erase_rows, smallest_flip
from hrnn.analysis.narration import percent
from hrnn.nn.probe import predict_batch, predict_one
from hrnn.ui.figures import STILL, image_figure, what_if_bars

ROWS = list(range(1, 29))  # as the page numbers them: row 1 at the top


def _keys(image):
    digest = hashlib.sha1(np.ascontiguousarray(image, dtype=np.float32).tobytes()).hexdigest()[:12]
    return f"what_if_rows_{digest}", f"what_if_note_{digest}"


def rows_key(image):
    """The session key of the rows (1-based) erased from `image` (`hrnn.ui.lesson_link` sets it from an address)."""
    return _keys(image)[0]


def _find_flip(model, image, drop, rows_key, note_key):
    flip = smallest_flip(lambda batch: predict_batch(model, batch[..., None]), image, drop)
    if flip is None:
        st.session_state[rows_key] = []
        st.session_state[note_key] = "Erasing every row with ink in it does not change its answer."
    else:
        st.session_state[rows_key] = sorted(r + 1 for r in flip.rows)
        n = len(flip.rows)
        st.session_state[note_key] = f"Erasing these {n} row{'s' if n != 1 else ''} changes its answer to {flip.digit}."


def _reset(rows_key, note_key):
    st.session_state[rows_key] = []
    st.session_state.pop(note_key, None)


def what_if(model, image, prediction, probs, drop):
    """The section, for `image` `(28, 28)` whose untouched reading is `prediction` with probabilities `probs`, and
    whose rows' importance (`RowImportance.drop`) orders the search for the fewest rows to erase. Returns the rows
    erased (1-based)."""
    st.subheader("What if some rows were blank?")
    rows_key, note_key = _keys(image)
    st.session_state.setdefault(rows_key, [])
    rows = st.multiselect(
        "Rows to erase",
        ROWS,
        key=rows_key,
        placeholder="Pick rows (1 is the top)",
        help="Those rows become background, and the model reads the digit again.",
    )
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Find the fewest rows that change its answer",
            key="what_if_flip",
            icon=":material/search:",
            on_click=_find_flip,
            args=(model, image, drop, rows_key, note_key),
        )
        st.button("Reset", key="what_if_reset", icon=":material/undo:", on_click=_reset, args=(rows_key, note_key))
    if note_key in st.session_state:
        st.caption(st.session_state[note_key])
    if not rows:
        st.caption("Erase rows to see how much the answer rests on them. The bars above say which rows mattered.")
        return rows
    edited = erase_rows(image, [r - 1 for r in rows])
    after = predict_one(model, edited)
    digit = int(np.argmax(after))
    changed = "a different answer" if digit != prediction else "the same answer"
    st.markdown(
        f"With {len(rows)} row{'s' if len(rows) != 1 else ''} erased it reads **{digit}** ({percent(after[digit])}): "
        f"{changed}. Untouched, it read **{prediction}** ({percent(probs[prediction])})."
    )
    left, right = st.columns(2, gap="large")
    with left:
        st.plotly_chart(
            image_figure(edited, title="the input with those rows erased"), key="what_if_image", config=STILL
        )
    with right:
        st.plotly_chart(what_if_bars(probs, after), key="what_if_bars", config=STILL)
    return rows
