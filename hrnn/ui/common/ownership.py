"""Who may stop a run from the app: the browser that started it. Everyone else who opens its link watches it.

Start gives the run an owner: this browser's key, a random string (`secrets.token_urlsafe`) made on its first Start
and kept in the session and in a cookie, so that a refresh, a new tab or a restarted server still finds it in the
same browser. The run's settings keep only the key's SHA-256 (`hrnn.runs.owner_digest`): neither the run id, the
address nor the runs folder gives the key away, and a link copied from the owner's address bar (or read off a
projector) opens the run for watching only. The key is never put in an address. The server's operator stops any run
with `python -m hrnn stop`.
"""

import re
import secrets

import streamlit as st
from streamlit.components.v2 import component

COOKIE = "hrnn_owner"  # the browser's cookie holding its key
KEY = "owner_key"  # session key: the same, for this session
COOKIE_ELEMENT = "owner_cookie"  # the key of the invisible element that sets the cookie (hidden: hrnn.ui.style)
COOKIE_DAYS = 30  # how long a browser keeps its key: its runs stay stoppable by it for that long
_KEY_FORM = re.compile(r"[A-Za-z0-9_-]{32,64}")  # as `secrets.token_urlsafe(24)` makes it; any other cookie is ignored
_REMEMBER_JS = """
export default function ({ data }) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.seconds}; SameSite=Strict${secure}`;
}
"""


def _cookie_key():
    """The key in this browser's cookie when the session opened, or None (none, or not one this app made)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):  # no browser behind the session (a test)
        return None
    return value if isinstance(value, str) and _KEY_FORM.fullmatch(value) else None


def browser_key(create=False):
    """This browser's owner key (`str`), or None when it has none yet; with `create`, one is made for it."""
    key = st.session_state.get(KEY) or _cookie_key()
    if key is None and create:
        key = secrets.token_urlsafe(24)
    if key is not None:
        st.session_state[KEY] = key
    return key


def remember_in_browser():
    """Keep this session's key in the browser's cookie (an invisible element that sets it) unless it is there
    already: a refresh then finds the browser's runs still its own."""
    key = st.session_state.get(KEY)
    if key is None or key == _cookie_key():
        return
    remember = component("hrnn_owner_cookie", html="<span></span>", js=_REMEMBER_JS)
    remember(key=COOKIE_ELEMENT, data={"name": COOKIE, "value": key, "seconds": COOKIE_DAYS * 86400})


def owns(entry):
    """Whether this browser started the run `entry` (a `RunEntry`) from the app, and so may stop it."""
    key = browser_key()
    return key is not None and entry.folder.owned_by(key)
