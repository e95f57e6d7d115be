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
    return grid_picture(run_id, readings, snap.grid_images, snap.grid_labels, snap.grid_predictions)


@st.cache_resource(max_entries=64, show_spinner=False)
def grid_picture(run_id, readings, _images, _labels, _predictions, marked=None):
    """`render_grid(_images, _labels, _predictions, marked=marked)` as PNG bytes, made once for every session.

    Keyed by the run, its grid's `readings` (whatever names the moment and the digits read: the live grid's images
    seen and predictions, a snapshot's index and predictions) and the digit `marked`: the grid's digits and labels
    are the run's own and never change, so these name the picture. The inside view's grid at a moment comes from
    here too, so its watchers share it as the live grid's do."""
    png = io.BytesIO()
    Image.fromarray(render_grid(_images, _labels, _predictions, marked=marked)).save(png, "PNG")
    return png.getvalue()
