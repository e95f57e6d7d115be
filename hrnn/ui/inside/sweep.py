"""Play's figure: the digit read row by row, animated by the browser."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.figures import DIGITS, image_trace
from hrnn.ui.common.states_figure import CURSOR_COLOR, ROW_RANGE, UNREAD_FILL
from hrnn.ui.inside.figures import OTHER_COLOR, PREDICTION_COLOR, RIVAL_COLOR
from hrnn.ui.inside.narration import percent

SWEEP_FRAME_MS = 110  # Play's time per row: 28 rows in about 3 s


def _sweep_title(step_probs, row):
    probs = step_probs[row - 1]
    digit = int(np.argmax(probs))
    return f"After row {row}: it thinks {digit} ({percent(probs[digit])})"


def _unread_cover(row):
    """The shape that greys the rows after `row` on the sweep's image (an empty one at row 28, so every frame has
    one shape to replace)."""
    return dict(
        type="rect", xref="x", yref="y", x0=0.5, x1=28.5, y0=row + 0.5, y1=28.5,
        fillcolor=UNREAD_FILL, line=dict(color=CURSOR_COLOR, width=3), layer="above",
    )  # fmt: skip


def sweep_figure(image28, step_probs, prediction, rival, row=28, height=240):
    """The digit read row by row, played in the browser: the image with the rows not yet read greyed, beside the ten
    probabilities after each row, one animation frame per row (`SWEEP_FRAME_MS` each) started by the figure's own
    Play button, so a sweep costs the server nothing and takes about 3 s on any connection.

    Args:
        image28: `(28, 28)` pixels in [0, 1], the input as the model reads it.
        step_probs: `(28, 10)` the probabilities after rows 1..28.
        prediction, rival: digits from `hrnn.analysis.narration.main_rival` (coloured as on the other views).
        row: the row it shows before Play, the page's cursor (Play always sweeps from row 1 to row 28).
    """
    step_probs = np.asarray(step_probs, dtype=np.float64)
    colors = [PREDICTION_COLOR if d == prediction else RIVAL_COLOR if d == rival else OTHER_COLOR for d in range(10)]

    def bars(row):
        probs = step_probs[row - 1]
        return go.Bar(
            x=DIGITS, y=probs.tolist(), marker_color=colors, text=[percent(p) for p in probs], textposition="outside",
            cliponaxis=False, xaxis="x2", yaxis="y2", hoverinfo="skip",
        )  # fmt: skip

    image = image_trace(image28, hover=False)
    frames = [
        go.Frame(
            name=str(row),
            data=[bars(row)],
            traces=[1],
            layout=dict(shapes=[_unread_cover(row)], title=dict(text=_sweep_title(step_probs, row))),
        )
        for row in range(1, 29)
    ]
    play = dict(frame=dict(duration=SWEEP_FRAME_MS, redraw=True), transition=dict(duration=0), mode="immediate")
    fig = go.Figure(data=[image, bars(row)], frames=frames)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        title=dict(text=_sweep_title(step_probs, row), x=0.5, xanchor="center", font=dict(size=15)),
        shapes=[_unread_cover(row)],
        showlegend=False,
        plot_bgcolor="white",
        xaxis=dict(domain=[0.0, 0.3], range=[0.5, 28.5], visible=False),
        yaxis=dict(range=ROW_RANGE, visible=False, scaleanchor="x"),
        xaxis2=dict(domain=[0.38, 1.0], type="category", categoryorder="array", categoryarray=DIGITS, anchor="y2"),
        yaxis2=dict(domain=[0.0, 1.0], range=[0, 1.25], visible=False, anchor="x2"),
        updatemenus=[
            dict(
                type="buttons", x=0.0, y=1.02, xanchor="left", yanchor="bottom", direction="left", showactive=False,
                pad=dict(t=0, r=6), font=dict(size=18),
                buttons=[dict(label="▶ Play", method="animate", args=[None, {**play, "fromcurrent": False}])],
            )
        ],
    )  # fmt: skip
    return fig
