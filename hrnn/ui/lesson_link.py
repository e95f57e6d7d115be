"""Lesson links for Inside the network: what the page shows lives in its address, so that a teacher can hand out a
link and another browser opens the same view (with the same model: `?model=`, `hrnn.ui.model_picker`).

    /inside?digit=149&erase=16,17     test digit 149, rows 16 and 17 erased in "What if?"
    /inside?drawing=<base64>          a drawing or an upload: its 28 x 28 pixels, 784 bytes in URL-safe base64

An address is applied once, when it differs from what this session last applied or wrote, so the page's own writes
never override what a person then chooses. A value that cannot be used is ignored with one line that says so.
"""

import base64
import binascii
import re
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from hrnn.ui.session import current_input, set_current_input
from hrnn.ui.what_if import rows_key

DIGIT, DRAWING, ERASE = "digit", "drawing", "erase"
APPLIED = "lesson_link_applied"  # session key: the (digit, drawing, erase) values last applied or written
_TEST_IMAGE = re.compile(r"^test image (\d+) ")


def _address():
    return tuple(st.query_params.get(name) for name in (DIGIT, DRAWING, ERASE))


def encode_drawing(image28):
    """A 28 x 28 image in [0, 1] as 784 bytes of URL-safe base64 (1,048 characters)."""
    pixels = np.clip(np.round(np.asarray(image28, np.float32) * 255), 0, 255).astype(np.uint8)
    return base64.urlsafe_b64encode(pixels.tobytes()).decode("ascii")


def decode_drawing(text):
    """The 28 x 28 image of `encode_drawing`'s text. Raises ValueError (a one-line reason)."""
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("the drawing in the address is not base64") from None
    if len(raw) != 28 * 28:
        raise ValueError(f"the drawing in the address holds {len(raw)} pixels, not 784")
    return np.frombuffer(raw, np.uint8).reshape(28, 28).astype(np.float32) / 255.0


def _erase_rows(text):
    rows = []
    for part in text.split(","):
        if not part.strip().isdigit() or not 1 <= int(part) <= 28:
            raise ValueError(f"rows to erase are 1 to 28, got {text[:40]!r}")
        rows.append(int(part))
    return sorted(set(rows))


def apply_address(data):
    """Make the address's input (a test digit of `data`, or a drawing) this session's input, and its erased rows
    the "What if?" rows, when the address changed since this session last applied or wrote it. Returns a one-line
    note on a value that was ignored, or None."""
    address = _address()
    if address == st.session_state.get(APPLIED) or address == (None, None, None):
        return None
    st.session_state[APPLIED] = address
    digit, drawing, erase = address
    try:
        if digit is not None:
            if not digit.isdigit() or data is None or int(digit) >= len(data.y_test):
                limit = f"0 to {len(data.y_test) - 1}" if data is not None else "none without data"
                raise ValueError(f"test digits are {limit}, got {digit[:20]!r}")
            index = int(digit)
            image = data.x_test[index].astype(np.float32) / 255.0
            set_current_input(image, f"test image {index} (true label {int(data.y_test[index])})")
        elif drawing is not None:
            set_current_input(decode_drawing(drawing), "a drawing from the link")
        if erase is not None:
            image, _ = current_input()
            if image is not None:
                st.session_state[rows_key(image)] = _erase_rows(erase)
    except ValueError as exc:
        return f"Part of this link was ignored: {exc}."
    return None


def write_address(image, origin, rows):
    """Put the shown input (`image`, described by `origin`) and the erased `rows` (1-based) in the address."""
    found = _TEST_IMAGE.match(origin or "")
    values = {
        DIGIT: found.group(1) if found else None,
        DRAWING: None if found or image is None else encode_drawing(image),
        ERASE: ",".join(str(r) for r in rows) if rows else None,
    }
    for name, value in values.items():
        if value is None:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = value
    st.session_state[APPLIED] = tuple(values[name] for name in (DIGIT, DRAWING, ERASE))


def link_box():
    """The page's address, with a copy button, for a lesson: it opens this input, erasure and model elsewhere."""
    url = st.context.url or ""
    if not url:
        return
    query = urlencode(st.query_params.to_dict(), safe=",")  # "erase=16,17" as a person would type it
    with st.expander("Share this view", icon=":material/link:"):
        st.caption("Copy this link: it opens this digit, its erased rows and this model in any browser.")
        st.code(url.split("?")[0] + ("?" + query if query else ""), language=None, wrap_lines=True)
        st.caption("A drawing travels in the link itself; a model only if the server that opens it has it.")
