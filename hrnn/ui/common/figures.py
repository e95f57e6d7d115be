"""What the figures share: plotly settings, smoothing and thinning of curves, the image trace (plotly and numpy
only)."""

import numpy as np
import plotly.graph_objects as go

MAX_RAW_POINTS = 3000  # more raw points than pixels only slows the browser down
DIGITS = [str(d) for d in range(10)]
STILL = {"displayModeBar": False}  # plotly config for small charts: no zoom toolbar (a phone shows it over the chart)


def smooth(values, weight=0.9):
    """Exponential moving average with bias correction (as TensorBoard smooths): `(N,)` -> `(N,)`."""
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    avg = 0.0
    for k, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        out[k] = avg / (1 - weight ** (k + 1))
    return out


def thin(x, y, limit=MAX_RAW_POINTS):
    if len(x) <= limit:
        return x, y
    idx = np.linspace(0, len(x) - 1, limit).astype(int)
    return np.asarray(x)[idx], np.asarray(y)[idx]


PIXELS = np.arange(1, 29)  # a 28 x 28 image's rows and columns, numbered as a person counts them


def image_trace(image28, hover=True):
    """A 28 x 28 image in [0, 1] as a grey heatmap trace named "image", rows and columns numbered 1..28, each pixel's
    value on hover (`hover=False`: no hover). The pixels are sent packed (float32), not checked value by value."""
    return go.Heatmap(
        z=np.asarray(image28, dtype=np.float32),
        x=PIXELS,
        y=PIXELS,
        colorscale="gray",
        zmin=0,
        zmax=1,
        showscale=False,
        name="image",
        hovertemplate="row %{y}, column %{x}: pixel %{z:.2f}<extra></extra>" if hover else None,
        hoverinfo=None if hover else "skip",
    )


IMAGE_X_RANGE, IMAGE_Y_RANGE = [0.5, 28.5], [28.5, 0.5]  # exactly the pixels, row 1 at the top
