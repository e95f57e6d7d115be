"""Picking pixel rows, on a desktop and on a phone: the 28 rows as buttons that toggle (all in view, four short lines
on a phone, where a drop-down list showed seven at a time), and a range slider that picks a band in one drag.

The rows picked live under the buttons' key; the slider shows the band they span and, when moved, picks that band.
"""

import streamlit as st

ROWS = list(range(1, 29))  # as the page numbers them: row 1 at the top


def band_key(key):
    """The session key of the band slider of the rows under `key`."""
    return f"{key}_band"


def _pick_band(key):
    low, high = st.session_state[band_key(key)]
    st.session_state[key] = list(range(low, high + 1))


def row_picker(label, key, help):
    """The rows picked (1-based, ascending) under session key `key`; the band slider is keyed `<key>_band`."""
    st.session_state.setdefault(key, [])
    picked = sorted(st.session_state[key])
    band = band_key(key)
    if picked:  # the slider shows the band the rows span (set before it is drawn, as Streamlit asks)
        st.session_state[band] = (picked[0], picked[-1])
    else:
        st.session_state.setdefault(band, (1, 1))
    st.slider(
        f"{label}: a band, in one drag",
        1,
        28,
        key=band,
        on_change=_pick_band,
        args=(key,),
        help="Drag either end: every row from one end to the other is picked.",
    )
    rows = st.pills(
        f"{label}: row by row (1 is the top)",
        ROWS,
        selection_mode="multi",
        key=key,
        help=help,
    )
    return sorted(rows)
