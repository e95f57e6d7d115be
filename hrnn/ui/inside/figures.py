"""The Inside page's figures: the image read row by row, the beliefs and how they formed, the state map, the
states heatmap (`hrnn.ui.common.states_figure`, which Train's inside view shares)."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.figures import DIGITS, image_trace
from hrnn.ui.common.states_figure import (  # states_figure: Inside's heatmaps, shared with Train
    CURSOR_COLOR,
    ROW_RANGE,
    ROWS,
    UNREAD_FILL,
    cursor_shapes,
)
from hrnn.ui.common.states_figure import (
    states_figure as states_figure,  # re-exported for the page
)
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


def state_map_figure(points, labels, path, row, explained=None, height=480):
    """The state map: test digits' final states as coloured dots, the current input's reading as a path.

    Args:
        points: `(N, 2)` projected final states of N test digits; labels: `(N,)` their digits.
        path: `(28, 2)` the projected states of the current input after rows 1..28.
        row: the cursor, 1..28, marked on the path.
        explained: `(2,)` fraction of variance along each axis, for the axis titles.
    """
    points, labels, path = np.asarray(points), np.asarray(labels), np.asarray(path)
    fig = go.Figure()
    for d in range(10):
        mine = points[labels == d]
        fig.add_trace(
            go.Scatter(
                x=mine[:, 0],  # numpy: sent packed (base64), a quarter of the size of a list
                y=mine[:, 1],
                mode="markers",
                name=str(d),
                marker=dict(size=5, color=DIGIT_COLORS[d], opacity=0.45),
                hovertemplate=f"a test {d} after all 28 rows<extra></extra>",
            )
        )
    # Each digit written at the middle of its cloud: one text trace (cheaper to redraw than ten annotations).
    present = [d for d in range(10) if (labels == d).any()]
    centres = np.array([np.median(points[labels == d], axis=0) for d in present]).reshape(-1, 2)
    fig.add_trace(
        go.Scatter(
            x=centres[:, 0].tolist(),
            y=centres[:, 1].tolist(),
            mode="text",
            text=[f"<b>{d}</b>" for d in present],
            textfont=dict(size=20, color="#222", shadow=LABEL_HALO),  # dark on a halo: legible on any cloud
            name="digit labels",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=path[:, 0].tolist(),
            y=path[:, 1].tolist(),
            mode="lines+markers",
            name="this input",
            showlegend=False,
            line=dict(color="black", width=2),
            marker=dict(size=5, color="black"),
            customdata=ROWS.tolist(),
            hovertemplate="this input after row %{customdata}<extra></extra>",
        )
    )
    for index, text, symbol in ((0, "start", "circle-open"), (len(path) - 1, "end", "star")):
        fig.add_trace(
            go.Scatter(
                x=[path[index, 0]],
                y=[path[index, 1]],
                mode="markers" if index == row - 1 else "markers+text",  # the cursor's label takes over there
                text=[text],
                textposition="top center",
                textfont=dict(shadow=LABEL_HALO),
                showlegend=False,
                name=text,
                marker=dict(size=14, color="black", symbol=symbol),
                hovertemplate=f"this input after row {index + 1} ({text})<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[path[row - 1, 0]],
            y=[path[row - 1, 1]],
            mode="markers+text",
            text=[f"row {row}"],
            textposition="bottom center",
            textfont=dict(color=CURSOR_COLOR, size=14, weight="bold", shadow=LABEL_HALO),
            showlegend=False,
            name="cursor",
            marker=dict(size=14, color=CURSOR_COLOR, line=dict(color="black", width=1.5)),
            hovertemplate=f"this input after row {row}<extra></extra>",
        )
    )
    share = explained if explained is not None else (None, None)
    titles = [f"map axis {k + 1}" + (f" ({s:.0%} of the spread)" if s is not None else "") for k, s in enumerate(share)]
    fig.update_xaxes(title=titles[0], zeroline=False, showticklabels=False)
    fig.update_yaxes(title=titles[1], zeroline=False, showticklabels=False)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", x=0, y=-0.08, yanchor="top", title="test digits:", itemsizing="constant"),
    )
    return fig


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
