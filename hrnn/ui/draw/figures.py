"""The Draw page's figures: the 28 x 28 image the model sees and the ten probabilities."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.figures import DIGITS, IMAGE_X_RANGE, IMAGE_Y_RANGE, image_trace


def probability_bars(probs):
    """Bar chart of the ten class probabilities, the predicted digit highlighted."""
    probs = np.asarray(probs, dtype=np.float64)
    colors = ["#636efa"] * len(probs)
    colors[int(np.argmax(probs))] = "#ef553b"
    fig = go.Figure(
        go.Bar(
            x=DIGITS[: len(probs)], y=probs, marker_color=colors, hovertemplate="digit %{x}: %{y:.3f}<extra></extra>"
        )
    )
    fig.update_layout(
        height=260,
        margin=dict(l=10, r=10, t=10, b=10),
        yaxis=dict(range=[0, 1], title="probability"),
        xaxis=dict(title="digit", type="category"),
    )
    return fig


def image_figure(image28, title="what the model sees (28 x 28)", height=300):
    """A 28 x 28 image as a grey heatmap, row 1 at the top, with pixel values on hover."""
    fig = go.Figure(image_trace(image28))
    fig.update_xaxes(range=IMAGE_X_RANGE, constrain="domain")
    fig.update_yaxes(range=IMAGE_Y_RANGE, scaleanchor="x", constrain="domain", title="row")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=title, font=dict(size=13)))
    return fig


# The Inside page. One cursor colour everywhere; the final prediction and its main rival in a blue / vermillion pair
