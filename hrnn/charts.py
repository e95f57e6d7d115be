"""Plotly figures for the app (plotly and numpy only; no Streamlit, so tests can read the figures' data)."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hrnn.narration import percent

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


def _thin(x, y, limit=MAX_RAW_POINTS):
    if len(x) <= limit:
        return x, y
    idx = np.linspace(0, len(x) - 1, limit).astype(int)
    return np.asarray(x)[idx], np.asarray(y)[idx]


def training_figure(snapshot, epochs=None, height=460):
    """Loss (top) and accuracy (bottom) against epochs: raw and smoothed per-batch values, validation points.

    The x axis always spans the whole run (0..epochs) and the y axes are fixed, so the chart does not jump
    while points arrive. `snapshot` is an `hrnn.training.ProgressSnapshot` (or anything with its fields).
    """
    epochs = epochs or max(snapshot.epochs, 1)
    steps_per_epoch = max(snapshot.steps_per_epoch, 1)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    x = np.asarray(snapshot.batch_steps, dtype=np.float64) / steps_per_epoch
    # One legend entry per kind of line, naming what it shows; each entry stands for its line in both panels
    # (clicking it hides both). Each trace's `meta` names the kind and the panel, for tests and scripts.
    for row, values, name in ((1, snapshot.batch_loss, "loss"), (2, snapshot.batch_accuracy, "accuracy")):
        values = np.asarray(values, dtype=np.float64)
        smoothed = smooth(values) if len(values) else values
        for label, series, line, group in (
            ("each batch", values, dict(width=1, color="rgba(99,110,250,0.3)"), "batch"),
            ("smoothed over batches", smoothed, dict(width=2.5, color="#636efa"), "smoothed"),
        ):
            xs, ys = _thin(x, series)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=label,
                    meta=f"{group}_{name}",
                    line=line,
                    legendgroup=group,
                    showlegend=row == 1,
                ),
                row=row,
                col=1,
            )
        key = "val_loss" if name == "loss" else "val_accuracy"
        points = [(e["epoch"], e[key]) for e in snapshot.epoch_history if key in e]
        fig.add_trace(
            go.Scatter(  # [None] before the first epoch ends: plotly leaves an empty trace out of the legend
                x=[p[0] for p in points] or [None],
                y=[p[1] for p in points] or [None],
                mode="markers+lines",
                name="validation, after each epoch",
                meta=f"validation_{name}",
                marker=dict(size=10, color="#ef553b"),
                line=dict(dash="dot", color="#ef553b"),
                legendgroup="validation",
                showlegend=row == 1,
            ),
            row=row,
            col=1,
        )
    # Fixed ranges with headroom: the first losses (~2.3, chance level) and the end-of-epoch dots stay in view.
    loss_top = max(2.8, float(np.nanmax(snapshot.batch_loss)) * 1.1) if snapshot.batch_loss else 2.8
    fig.update_yaxes(range=[0, min(loss_top, 5.0)], title_text="loss", row=1, col=1)
    fig.update_yaxes(range=[0, 1.08], title_text="accuracy", row=2, col=1)
    fig.update_xaxes(range=[0, epochs * 1.03], row=1, col=1)
    fig.update_xaxes(range=[0, epochs * 1.03], title_text="epoch", row=2, col=1)
    fig.update_layout(  # the legend on top, where it is seen with the lines, also on a short screen
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        uirevision="training",
        legend=dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom"),
    )
    return fig


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


def _image_trace(image28):
    """A 28 x 28 image as a grey heatmap trace, rows numbered 1..28, pixel values on hover."""
    return go.Heatmap(
        z=np.asarray(image28),
        colorscale="gray",
        zmin=0,
        zmax=1,
        showscale=False,
        y=np.arange(1, 29),
        hovertemplate="row %{y}, col %{x}: %{z:.2f}<extra></extra>",
    )


IMAGE_X_RANGE, IMAGE_Y_RANGE = [-0.5, 27.5], [28.5, 0.5]  # exactly the pixels, row 1 at the top


def image_figure(image28, title="what the model sees (28 x 28)", height=300):
    """A 28 x 28 image as a grey heatmap, row 1 at the top, with pixel values on hover."""
    fig = go.Figure(_image_trace(image28))
    fig.update_xaxes(range=IMAGE_X_RANGE, constrain="domain")
    fig.update_yaxes(range=IMAGE_Y_RANGE, scaleanchor="x", constrain="domain", title="row")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=title, font=dict(size=13)))
    return fig


# The Inside page. One cursor colour everywhere; the final prediction and its main rival in a blue / vermillion pair
# that stays distinct under every common colour-vision deficiency (Okabe and Ito's palette); other digits grey.
CURSOR_COLOR = "#009E73"
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
UNREAD_FILL = "rgba(255,255,255,0.6)"  # laid over the rows the network has not read yet
ROWS = np.arange(1, 29)
ROW_RANGE = [28.5, 0.5]  # rows 1..28, row 1 at the top
BAR_ZERO, BAR_HALF = 39.5, 9.0  # where the row-importance bars sit, in the image's column units


def _cursor_shapes(fig, row, x0, x1, xref="x", yref="y"):
    """Grey out the rows after `row` and outline `row` itself, between x0 and x1."""
    if row < 28:
        fig.add_shape(
            type="rect",
            xref=xref,
            yref=yref,
            x0=x0,
            x1=x1,
            y0=row + 0.5,
            y1=28.5,
            fillcolor=UNREAD_FILL,
            line_width=0,
            layer="above",
        )
    fig.add_shape(
        type="rect",
        xref=xref,
        yref=yref,
        x0=x0,
        x1=x1,
        y0=row - 0.5,
        y1=row + 0.5,
        line=dict(color=CURSOR_COLOR, width=3),
        layer="above",
    )


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
    fig = go.Figure(
        go.Heatmap(
            z=np.asarray(image28).tolist(),
            x=np.arange(1, 29).tolist(),
            y=ROWS.tolist(),
            colorscale="gray",
            zmin=0,
            zmax=1,
            showscale=False,
            name="image",
            hovertemplate="row %{y}, column %{x}: pixel %{z:.2f}<extra></extra>",
        )
    )
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
    _cursor_shapes(fig, row, 0.5, 28.5)
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
    fig.add_annotation(x=BAR_ZERO, y=0.5, yanchor="bottom", text=f"P({digit}) drop<br>without the row", showarrow=False)
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
        prediction, rival: digits from `hrnn.narration.main_rival`.
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


def states_figure(states, units, row, meaning, height=430):
    """A heatmap of one layer's vectors, one line per row, the rows after `row` greyed out and `row` outlined.

    Args:
        states: `(28, n)` values in [-1, 1] to show (units already chosen and ordered).
        units: `(n,)` the unit numbers, the x labels.
        row: the cursor, 1..28.
        meaning: one line on what a value is, added to every cell's hover text.
    """
    states = np.asarray(states, dtype=np.float64)
    labels = [str(u) for u in units]
    fig = go.Figure(
        go.Heatmap(
            z=states.tolist(),
            x=labels,
            y=ROWS.tolist(),
            colorscale="RdBu",
            zmid=0,
            zmin=-1,
            zmax=1,
            colorbar=dict(title="value", thickness=10, tickvals=[-1, 0, 1]),
            xgap=0.5,
            ygap=0.5,
            hovertemplate=f"row %{{y}}, unit %{{x}}: %{{z:+.2f}}<br>{meaning}<extra></extra>",
        )
    )
    _cursor_shapes(fig, row, -0.5, len(labels) - 0.5)
    fig.update_xaxes(type="category", title="unit", tickangle=-90, nticks=min(len(labels), 32), showgrid=False)
    fig.update_yaxes(range=ROW_RANGE, title="row", tickvals=[1, 5, 10, 15, 20, 25, 28], showgrid=False)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white")
    return fig


# --- Evaluate and Compare ------------------------------------------------------------------------------------------

RUN_COLORS = ("#636efa", "#ef553b", "#00a67e", "#ab63fa")  # one per compared run (at most 4)
MISTAKE_SCALE = [[0.0, "#ffffff"], [1.0, "#f26b5b"]]  # light enough for black text on the darkest cell
RIGHT_COLOR = "#cdebc5"


def per_class_figure(per_class_accuracy, height=280):
    """Bars of the accuracy on each true digit, labelled with their values.

    The y axis starts below the lowest bar (at a multiple of 5%) rather than at 0, so that differences of a percent
    show; its title says where it starts.
    """
    acc = np.asarray([np.nan if a is None else a for a in per_class_accuracy], dtype=np.float64)
    low = float(np.nanmin(acc)) if np.isfinite(acc).any() else 0.0
    bottom = max(0.0, np.floor(low * 20) / 20 - 0.05) if low > 0.5 else 0.0
    fig = go.Figure(
        go.Bar(
            x=DIGITS[: len(acc)],
            y=acc,
            text=[f"{a:.1%}" if np.isfinite(a) else "-" for a in acc],
            textposition="outside",
            cliponaxis=False,
            marker_color="#636efa",
            hovertemplate="digit %{x}: %{y:.2%} read right<extra></extra>",
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=20, b=10),
        yaxis=dict(range=[bottom, 1.0], tickformat=".0%", title=f"accuracy (axis from {bottom:.0%})"),
        xaxis=dict(title="true digit", type="category"),
    )
    return fig


def confusion_figure(confusion, normalised=False, selected=None, height=440):
    """The confusion matrix as a heatmap: rows are true digits (0 at the top), columns predicted digits.

    Mistakes are shaded by their size (the colour scale ends at the largest mistake, so the diagonal does not wash
    them out); the diagonal (read right) is one light green; empty cells are left blank. Every other cell shows its
    count, or its share of the row when `normalised`. An invisible marker sits on every cell so that a click selects
    it (plotly heatmaps cannot be selected): trace 2's point `10 * true + predicted`, with `x` the predicted and `y`
    the true digit. `selected` `(true, predicted)` gets a frame.
    """
    from hrnn.evaluation import normalise_rows

    counts = np.asarray(confusion, dtype=np.int64)
    n = len(counts)
    values = normalise_rows(counts) if normalised else counts.astype(np.float64)
    text = [
        [("" if c == 0 else f"{v:.1%}" if normalised else f"{int(v)}") for c, v in zip(count_row, row)]
        for count_row, row in zip(counts, values)
    ]
    diagonal = np.eye(n, dtype=bool)
    mistakes = np.where(diagonal | (counts == 0), np.nan, values)
    right = np.where(diagonal, values, np.nan)
    top = float(np.nanmax(mistakes)) if np.isfinite(mistakes).any() else 1.0
    common = dict(x=list(range(n)), y=list(range(n)), text=text, texttemplate="%{text}", xgap=1, ygap=1)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            z=mistakes,
            colorscale=MISTAKE_SCALE,
            zmin=0,
            zmax=top,
            showscale=False,
            hoverinfo="skip",  # hover and clicks go to the cell markers
            **common,
        )
    )
    fig.add_trace(
        go.Heatmap(
            z=right,
            colorscale=[[0, RIGHT_COLOR], [1, RIGHT_COLOR]],
            showscale=False,
            hoverinfo="skip",
            **common,
        )
    )
    true, predicted = np.divmod(np.arange(n * n), n)
    shown = [
        f"{values[t, p]:.1%} of the {t}s" if normalised else f"{counts[t, p]:,} image{'s' if counts[t, p] != 1 else ''}"
        for t, p in zip(true, predicted)
    ]
    fig.add_trace(
        go.Scatter(
            x=predicted,
            y=true,
            mode="markers",
            marker=dict(symbol="square", size=30, opacity=0, color="#000000"),
            selected=dict(marker=dict(opacity=0)),
            unselected=dict(marker=dict(opacity=0)),
            customdata=shown,
            hovertemplate="true %{y}, read as %{x}: %{customdata}<extra>click for the images</extra>",
            showlegend=False,
            name="cells",
        )
    )
    if selected is not None:
        t, p = selected
        fig.add_shape(type="rect", x0=p - 0.5, x1=p + 0.5, y0=t - 0.5, y1=t + 0.5, line=dict(color="#1f2937", width=3))
    axes = dict(tickvals=list(range(n)), fixedrange=True, showgrid=False, zeroline=False, ticks="")
    fig.update_xaxes(title="predicted digit", range=[-0.5, n - 0.5], side="top", **axes)
    fig.update_yaxes(title="true digit", range=[n - 0.5, -0.5], **axes)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        plot_bgcolor="#ffffff",
        hovermode="closest",
        hoverdistance=-1,  # a click anywhere in a cell selects that cell's marker
        clickmode="event+select",
        dragmode=False,
    )
    return fig


def compare_figure(runs, x="epoch", height=520):
    """Loss (top) and accuracy (bottom) of 2 to 4 runs overlaid: training (solid) and held-out (dashed), one
    colour per run.

    Args:
        runs: `[(label, hrnn.compare.Curves), ...]`.
        x: "epoch", or "samples" for images seen (a run whose record does not say is drawn against epochs).
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1)
    for k, (label, c) in enumerate(runs):
        color = RUN_COLORS[k % len(RUN_COLORS)]
        xs = c.samples if x == "samples" and c.samples is not None else c.epoch
        for row, (train, held_out) in enumerate(((c.loss, c.val_loss), (c.accuracy, c.val_accuracy)), start=1):
            for series, dash, kind in ((train, "solid", "training"), (held_out, "dash", "held-out")):
                if not np.isfinite(np.asarray(series, dtype=np.float64)).any():
                    continue
                fig.add_trace(
                    go.Scatter(
                        x=xs,
                        y=series,
                        mode="lines+markers",
                        name=f"{label}: {kind}",
                        line=dict(color=color, dash=dash, width=2),
                        marker=dict(size=7),
                        legendgroup=label,
                        showlegend=row == 1,
                        hovertemplate=f"{kind} %{{y:.4f}}<extra>{label}</extra>",
                    ),
                    row=row,
                    col=1,
                )
    fig.update_yaxes(title_text="loss", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="accuracy", tickformat=".1%", row=2, col=1)
    fig.update_xaxes(title_text="images seen" if x == "samples" else "epoch", row=2, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.15))
    return fig
