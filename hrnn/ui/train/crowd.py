"""How often a watched run's live panel refreshes, by how many sessions on this server watch a live run.

A Streamlit server is one Python process: its pages' scripts share one interpreter lock, so it uses about one core
however many the machine has. A watcher's refresh costs the server about 25 ms of it (docs/class-load.md), so 66
watchers refreshing every second would want more than the whole of it, and every drawing on the Draw page would wait
behind them. The panel refreshes every second while up to `CROWD_STEPS[0][0]` sessions watch, and less often as
more do: every watcher still sees the run move, and the server keeps time for the drawings.
"""

import threading
import time
import uuid
from dataclasses import dataclass, field

import streamlit as st

SEEN_SECONDS = 10.0  # a session counts as watching while its panel refreshed this recently
CROWD_STEPS = ((30, 1.0), (60, 2.0))  # (at most this many watching, refresh every this many seconds)
CROWDED_SECONDS = 3.0  # more than the last step's number watching
_SESSION_KEY = "crowd_session"


def refresh_seconds_for(watching):
    """The live panel's refresh interval in seconds when `watching` sessions watch a live run."""
    for most, seconds in CROWD_STEPS:
        if watching <= most:
            return seconds
    return CROWDED_SECONDS


@dataclass
class Crowd:
    """The sessions that refreshed a live panel lately: session token -> when (`time.monotonic`)."""

    seen: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, token, now):
        """Note that the session `token` watches at `now`; how many sessions watched in the last `SEEN_SECONDS`."""
        with self.lock:
            self.seen[token] = now
            for other, when in list(self.seen.items()):
                if now - when > SEEN_SECONDS:
                    del self.seen[other]
            return len(self.seen)


@st.cache_resource(show_spinner=False)
def _crowd():
    return Crowd()


def refresh_seconds():
    """This session's live panel's refresh interval: counts this session among the watchers (call it from the panel
    each time it is drawn), then `refresh_seconds_for` how many watch."""
    token = st.session_state.setdefault(_SESSION_KEY, uuid.uuid4().hex)
    return refresh_seconds_for(_crowd().count(token, time.monotonic()))
