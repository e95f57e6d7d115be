"""The Train page's live digit grid of a watched run, drawn and encoded once per run and reading for every session
watching it."""

import io

import streamlit as st
from PIL import Image

from hrnn.ui.common.digit_grid import render_grid


def live_grid(run_id, snap):
    """The digit grid of the run `run_id` at its snapshot `snap` (`render_grid`), as PNG bytes for `st.image`, made
    once for every session watching it. Each watcher's live panel refreshes every second; drawing the picture and
    encoding it in every session was a tenth of the server's CPU with a class of 100 watching (docs/performance.md,
    "A class on one server"). Given PNG bytes and `output_format="PNG"`, `st.image` sends them as they are (with
    "auto" it would make a JPEG of them in every session again; measure/live_grid_cost.py)."""
    readings = (len(snap.grid_images), snap.grid_samples, tuple(int(p) for p in snap.grid_predictions))
    return _live_grid(run_id, readings, snap)


@st.cache_resource(max_entries=32, show_spinner=False)
def _live_grid(run_id, readings, _snap):
    """Keyed by the run and its grid's `readings` (digits, images seen at the reading, the digits read): the grid's
    digits and labels are the run's own and never change, so these name the picture."""
    png = io.BytesIO()
    Image.fromarray(render_grid(_snap.grid_images, _snap.grid_labels, _snap.grid_predictions)).save(png, "PNG")
    return png.getvalue()
