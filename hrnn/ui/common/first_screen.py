"""The first screen: the app's name, what it does and a progress note, shown while the pages' modules load.

On a server's first script run, importing the pages imports TensorFlow and Keras (about 3 s on two idle cores, more
on a busy machine), and nothing else is drawn until then: the main area stayed blank for 5 s or more. This module
imports only streamlit, so app.py can draw the note before the heavy imports and clear it after them.
"""

from contextlib import contextmanager

import streamlit as st

TITLE = "hrnn lab"
WHAT = (
    "Train a small hierarchical RNN that reads handwritten digits row by row, draw digits for it to read, and look "
    "inside it while it reads."
)
LOADING = "Starting up: loading TensorFlow and the MNIST digits (a few seconds, on the server's first visit only)..."

_loaded = False  # the block has run to its end once in this server process: the heavy modules are imported


@contextmanager
def while_loading():
    """Within the block, show the title, what the app does and `LOADING`, and clear them after it.

    Only the server's first run (or runs that start before it has finished) shows them: later runs import nothing
    and draw the same empty placeholder, so the page's elements keep their places from run to run.
    """
    global _loaded
    placeholder = st.empty()
    if not _loaded:
        with placeholder.container():
            st.title(TITLE)
            st.markdown(WHAT)
            st.caption(LOADING)
    yield
    placeholder.empty()
    _loaded = True
