"""Which run a browser session watches: named in the page's address (`?run=<id>`) and in the session, so that a
refresh, a shared link or a page change finds it again."""

import streamlit as st

WATCH_PARAM = "run"  # the URL's query parameter naming the watched run
WATCHED = "watched_run"  # session key: the same, for when navigating between pages drops the URL's query
OTHERS_LIVE = "others_live"  # session key: the ids of the other live runs at the list's last refresh


def watched_run_id():
    """The id of the run this page watches: the URL's `?run=`, else the one this session watched last."""
    return st.query_params.get(WATCH_PARAM) or st.session_state.get(WATCHED)


def watch(run_id):
    """Watch `run_id` in this session, and name it in the URL so that a refresh or a shared link finds it again."""
    st.query_params[WATCH_PARAM] = run_id
    st.session_state[WATCHED] = run_id


def unwatch():
    st.query_params.pop(WATCH_PARAM, None)
    st.session_state.pop(WATCHED, None)
