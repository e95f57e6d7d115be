"""The Train page's inside view's figures: the watched digit's ten probabilities, and its hidden states through the
run (Inside's heatmap, `hrnn.ui.common.states_figure`, with one animation frame per snapshot for Play). Plotly and
numpy only."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.figures import DIGITS
from hrnn.ui.common.labels import percent
from hrnn.ui.common.states_figure import states_figure

READ_COLOR, TRUE_COLOR, OTHER_COLOR = "#0072B2", "#009E73", "#BBBBBB"
FRAME_MS = 120  # Play's time per snapshot: a hundred moments in about 12 s
FRAME_DECIMALS = 4  # a frame's values, rounded: 1/20,000, far below a colour step, and a third of the bytes
MEANING = "the image reader's unit after reading rows 1 to this row (-1 to +1), at this moment of training"


def moment_words(time):
    """ "after 3,200 images, 40 s in": when a snapshot (`SnapshotTime`) was taken."""
    return f"after {time.samples_seen:,} images, {time.seconds:.0f} s in"


def reading_words(probs, label):
    """ "reads it as 7 (93%)" or "reads it as 1 (40%): wrong" for the watched digit, whose true digit is `label`."""
    read = int(np.argmax(probs))
    return f"reads it as {read} ({percent(float(probs[read]), 0)})" + ("" if read == label else ": wrong")


def probability_figure(probs, label, height=210):
    """The ten probabilities of the watched digit at one moment: the digit it reads blue, its true digit green when
    that is another."""
    probs = np.asarray(probs, dtype=np.float64)
    read = int(np.argmax(probs))
    colors = [READ_COLOR if d == read else TRUE_COLOR if d == label else OTHER_COLOR for d in range(len(probs))]
    fig = go.Figure(
        go.Bar(
            x=DIGITS[: len(probs)],
            y=probs.tolist(),
            marker_color=colors,
            text=[percent(p, 0) for p in probs],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="P(%{x}) = %{y:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        showlegend=False,
        yaxis=dict(range=[0, 1.2], title="probability", tickformat=".0%", tickvals=[0, 0.5, 1]),
        xaxis=dict(title=f"digit (it is a {label})", type="category"),
    )
    return fig


def _title(time, probs, label):
    return f"{moment_words(time).capitalize()}: {reading_words(probs, label)}"


def states_through_run(hidden, probs, times, label, order, at, height=430):
    """The watched digit's hidden states as Inside shows them, at moment `at`, with one frame per moment for Play.

    Args:
        hidden: `(moments, 28, units)` the digit's h at each snapshot.
        probs: `(moments, classes)` its probabilities at each.
        times: the snapshots' `SnapshotTime`s.
        label: its true digit.
        order: the units shown, in order (`hrnn.analysis.units.order_units` of the run's last moment: Inside's order
            for the final model).
        at: the moment shown before Play (an index of `times`).
    """
    hidden = np.asarray(hidden)[:, :, order]
    fig = states_figure(hidden[at], order, None, MEANING, height=height)
    if len(times) < 2:
        fig.update_layout(title=dict(text=_title(times[at], probs[at], label), x=0, font=dict(size=14)))
        return fig
    frames = [
        go.Frame(
            name=str(k),
            data=[go.Heatmap(z=hidden[k].astype(np.float64).round(FRAME_DECIMALS).tolist())],
            traces=[0],
            layout=dict(title=dict(text=_title(times[k], probs[k], label))),
        )
        for k in range(len(times))
    ]
    fig.frames = frames
    play = dict(frame=dict(duration=FRAME_MS, redraw=True), transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        # The moment's words on the top line, Play on its own line under them: on a phone both fit.
        title=dict(
            text=_title(times[at], probs[at], label), x=0, xanchor="left", y=1, yref="container", yanchor="top",
            pad=dict(t=8), font=dict(size=14),
        ),
        margin=dict(l=10, r=10, t=84, b=10),
        updatemenus=[
            dict(
                type="buttons", x=0.0, y=1.0, xanchor="left", yanchor="bottom", direction="left", showactive=False,
                pad=dict(t=0, b=6), font=dict(size=16),
                buttons=[dict(label="▶ Play the run", method="animate", args=[None, {**play, "fromcurrent": False}])],
            )
        ],
    )  # fmt: skip
    return fig
