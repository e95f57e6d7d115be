"""The Inside page's figures of the reading: the image read row by row, the beliefs and how they formed; and what
every Inside figure shares (colours; the rows' axis and the cursor come from `hrnn.ui.common.states_figure`, which
Train's inside view shares). The state map, the heatmaps of the units and Play's
sweep have modules of their own beside this one."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.figures import DIGITS, image_trace
from hrnn.ui.common.states_figure import CURSOR_COLOR, ROW_RANGE, ROWS, cursor_shapes
from hrnn.ui.inside.narration import percent

PREDICTION_COLOR, RIVAL_COLOR, OTHER_COLOR = "#0072B2", "#D55E00", "#BBBBBB"
# One colour per digit for the state map: Paul Tol's colour-blind-safe "muted" scheme and a dark grey. The map also
# writes each digit at its cluster's centre, so no reader has to tell ten colours apart.
DIGIT_COLORS = [
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#555555",
]
LABEL_HALO = "0 0 3px white, 0 0 3px white, 0 0 3px white"  # keeps a label readable over dots of any colour
BAR_ZERO, BAR_HALF = 39.5, 9.0  # where the row-importance bars sit, in the image's column units


def reading_figure(image28, row, drop, digit, height=340):
    """The image as read up to `row`, and beside each pixel row the change that blanking it makes.

    One pair of axes in pixel units, so the pixels stay square and every bar sits exactly beside its row at any
    width: columns 1..28 hold the image, the bars stand on a zero line at x = `BAR_ZERO`.

    Args:
        image28: `(28, 28)` the input.
        row: the cursor, 1..28; the rows below it are greyed out and the row itself outlined.
        drop: `(28,)` `RowImportance.drop`: the fall in `digit`'s probability when each row is blanked.
        digit: the digit whose probability `drop` measures.
    """
    drop = np.asarray(drop, dtype=np.float64)
    top = max(float(np.abs(drop).max()), 0.02)
    scale = BAR_HALF / top
    fig = go.Figure(image_trace(image28))
    fig.add_trace(
        go.Bar(
            y=ROWS.tolist(),
            x=(drop * scale).tolist(),
            base=BAR_ZERO,
            orientation="h",
            name="rows that mattered",
            marker_color=[PREDICTION_COLOR if d >= 0 else RIVAL_COLOR for d in drop],
            customdata=(-drop).tolist(),
            hovertemplate=f"without row %{{y}}, P({digit}) changes by %{{customdata:+.2f}}<extra></extra>",
        )
    )
    fig.add_shape(type="line", x0=BAR_ZERO, x1=BAR_ZERO, y0=0.5, y1=28.5, line=dict(color="#444", width=1))
    cursor_shapes(fig, row, 0.5, 28.5)
    fig.add_shape(
        type="rect",
        x0=28.5,
        x1=BAR_ZERO + BAR_HALF,
        y0=row - 0.5,
        y1=row + 0.5,
        line=dict(color=CURSOR_COLOR, width=1, dash="dot"),
        layer="below",
    )
    fig.update_xaxes(
        range=[0.5, BAR_ZERO + BAR_HALF + 0.5],
        scaleanchor="y",
        constrain="domain",
        showgrid=False,
        zeroline=False,
        tickvals=[BAR_ZERO - BAR_HALF, BAR_ZERO, BAR_ZERO + BAR_HALF],
        ticktext=[f"-{top:.2f}", "0", f"+{top:.2f}"],
    )
    fig.update_yaxes(
        range=ROW_RANGE, constrain="domain", constraintoward="top", title="row", tickvals=[1, 5, 10, 15, 20, 25, 28]
    )
    # Labels pinned to the image's top edge (data coordinates), so they stay on it when the aspect ratio shrinks it.
    fig.add_annotation(x=14.5, y=0.5, yanchor="bottom", text="the image", showarrow=False)
    less_sure = f"how much less sure<br>of {digit} without the row"
    fig.add_annotation(x=BAR_ZERO, y=0.5, yanchor="bottom", text=less_sure, showarrow=False)
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=40, b=10), showlegend=False, bargap=0.15, plot_bgcolor="white"
    )
    return fig


def _prediction_styles(prediction, rival):
    """(name, colour, dash, width, legend group) for each digit: the prediction and the rival stand out."""
    styles = {}
    for d in range(10):
        if d == prediction:
            styles[d] = (f"{d}: final answer", PREDICTION_COLOR, "solid", 4, "prediction")
        elif d == rival:
            styles[d] = (f"{d}: main rival", RIVAL_COLOR, "dash", 3, "rival")
        else:
            styles[d] = ("other digits", OTHER_COLOR, "solid", 1.5, "other")
    return styles


def belief_figure(probs, prediction, rival, row, height=250):
    """The ten probabilities after reading rows 1..`row`, the final prediction and its main rival coloured.

    Args:
        probs: `(10,)` `step_probs[row - 1]`.
        prediction, rival: digits from `hrnn.analysis.narration.main_rival`.
    """
    probs = np.asarray(probs, dtype=np.float64)
    styles = _prediction_styles(prediction, rival)
    fig = go.Figure()
    for group in ("prediction", "rival", "other"):
        digits = [d for d in range(len(probs)) if styles[d][4] == group]
        fig.add_trace(
            go.Bar(
                x=[str(d) for d in digits],
                y=probs[digits].tolist(),
                name=styles[digits[0]][0],
                marker_color=styles[digits[0]][1],
                text=[percent(p) for p in probs[digits]],
                textposition="outside",
                hovertemplate=f"after row {row}: P(%{{x}}) = %{{y:.1%}}<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        barmode="overlay",
        showlegend=False,
        yaxis=dict(range=[0, 1.15], title="probability", tickformat=".0%", tickvals=[0, 0.5, 1]),
        xaxis=dict(title=f"digit (after row {row})", type="category", categoryorder="array", categoryarray=DIGITS),
    )
    return fig


def formation_figure(step_probs, prediction, rival, row, height=270):
    """How the prediction forms: each digit's probability after rows 1..t (lines), the cursor at `row`."""
    step_probs = np.asarray(step_probs)
    styles = _prediction_styles(prediction, rival)
    fig = go.Figure()
    shown = set()
    for d in sorted(range(step_probs.shape[1]), key=lambda d: (d in (prediction, rival), d == prediction)):
        name, color, dash, width, group = styles[d]
        fig.add_trace(
            go.Scatter(
                x=ROWS.tolist(),
                y=step_probs[:, d].tolist(),
                mode="lines",
                name=name,
                legendgroup=group,
                showlegend=group not in shown,
                line=dict(color=color, dash=dash, width=width),
                hovertemplate=f"P({d}) after row %{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
        shown.add(group)
    fig.add_vline(x=row, line=dict(color=CURSOR_COLOR, width=2))
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        yaxis=dict(range=[0, 1.02], title="probability", tickformat=".0%", tickvals=[0, 0.5, 1]),
        xaxis=dict(range=[0.5, 28.5], title="rows read (top to bottom)"),
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom", traceorder="reversed"),
    )
    return fig
