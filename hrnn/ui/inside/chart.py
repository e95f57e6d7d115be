"""How the Inside page draws a figure: stamped with the run that drew it."""

import streamlit as st

FRAME_KEY = "inside_frame"  # counts the charts drawn (see draw_chart)


def draw_chart(figure, key, config=None):
    """Draw `figure` under `key`, stamped with this run's number.

    Streamlit sends a large element that the browser reported having as a reference to its copy; when runs of the
    views are asked for faster than they run (Play did it once per row when it ran on the server; quick cursor moves
    can too), that report can be stale, the browser has dropped the copy, and the page stops with "Cached ForwardMsg
    MISS". A figure that differs in every run is never sent as a reference.
    """
    st.session_state[FRAME_KEY] = st.session_state.get(FRAME_KEY, 0) + 1
    figure.update_layout(meta={"frame": st.session_state[FRAME_KEY]})
    st.plotly_chart(figure, width="stretch", key=key, config=config)
