"""Plotly figures as a page under AppTest sent them."""

import base64
import json

import numpy as np


def plotly_array(value):
    """A figure's array as plotly's JSON holds it (a list, or typed bytes `{"dtype", "bdata", "shape"}`) as float32."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape).astype(np.float32)
    return np.asarray(value, dtype=np.float32)


def chart(at, key):
    """The figure (plotly's JSON, as a dict) of the one chart with Streamlit key `key` on the page `at`."""
    (found,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return json.loads(found.proto.spec)
