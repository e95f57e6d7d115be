"""Plotly figures for the app (plotly and numpy only; no Streamlit, so tests can read the figures' data)."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

MAX_RAW_POINTS = 3000  # more raw points than pixels only slows the browser down
DIGITS = [str(d) for d in range(10)]


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
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=("loss", "accuracy"))
    x = np.asarray(snapshot.batch_steps, dtype=np.float64) / steps_per_epoch
    for row, values, name in ((1, snapshot.batch_loss, "loss"), (2, snapshot.batch_accuracy, "accuracy")):
        values = np.asarray(values, dtype=np.float64)
        smoothed = smooth(values) if len(values) else values
        for label, series, line, group in (
            ("batch", values, dict(width=1, color="rgba(99,110,250,0.3)"), "raw"),
            ("smoothed", smoothed, dict(width=2.5, color="#636efa"), "smooth"),
        ):
            xs, ys = _thin(x, series)
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", name=f"{label} {name}", line=line, legendgroup=group, showlegend=row == 1
                ),
                row=row,
                col=1,
            )
        key = "val_loss" if name == "loss" else "val_accuracy"
        points = [(e["epoch"], e[key]) for e in snapshot.epoch_history if key in e]
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="markers+lines",
                name=f"validation {name}",
                marker=dict(size=10, color="#ef553b"),
                line=dict(dash="dot", color="#ef553b"),
                legendgroup="val",
                showlegend=row == 1,
            ),
            row=row,
            col=1,
        )
    # Fixed ranges with headroom: the first losses (~2.3, chance level) and the end-of-epoch dots stay in view.
    loss_top = max(2.8, float(np.nanmax(snapshot.batch_loss)) * 1.1) if snapshot.batch_loss else 2.8
    fig.update_yaxes(range=[0, min(loss_top, 5.0)], row=1, col=1)
    fig.update_yaxes(range=[0, 1.08], row=2, col=1)
    fig.update_xaxes(range=[0, epochs * 1.03], row=1, col=1)
    fig.update_xaxes(range=[0, epochs * 1.03], title_text="epoch", row=2, col=1)
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=30, b=10), uirevision="training", legend=dict(orientation="h", y=-0.15)
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


def states_figure(image28, states, units, title, height=520):
    """The input image beside a heatmap of hidden states: row t of the image next to the state after row t.

    Args:
        image28: `(28, 28)` input.
        states: `(28, n)` states to show (columns already chosen and ordered).
        units: `(n,)` unit indices, the x labels.
    """
    states = np.asarray(states)
    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.22, 0.78], horizontal_spacing=0.03, subplot_titles=("input, row by row", title)
    )
    fig.add_trace(_image_trace(image28), row=1, col=1)
    limit = float(np.abs(states).max()) if states.size else 1.0
    fig.add_trace(
        go.Heatmap(
            z=states,
            x=[f"u{u}" for u in units],
            y=np.arange(1, 29),
            colorscale="RdBu",
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorbar=dict(title="h"),
            hovertemplate="after row %{y}, unit %{x}: %{z:.3f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(range=IMAGE_X_RANGE, row=1, col=1)
    fig.update_yaxes(range=IMAGE_Y_RANGE, title_text="image row", row=1, col=1)
    fig.update_yaxes(range=IMAGE_Y_RANGE, showticklabels=False, row=1, col=2)
    fig.update_xaxes(type="category", nticks=16, tickangle=-90, title_text="unit", row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def step_probs_figure(step_probs, height=420):
    """How the prediction forms: probability of each digit after reading rows 1..t (lines), t = 1..28."""
    step_probs = np.asarray(step_probs)
    fig = go.Figure()
    final = int(np.argmax(step_probs[-1]))
    for d in range(step_probs.shape[1]):
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(step_probs) + 1),
                y=step_probs[:, d],
                mode="lines",
                name=str(d),
                line=dict(width=4 if d == final else 1.5),
                hovertemplate=f"digit {d} after row %{{x}}: %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        yaxis=dict(range=[0, 1.02], title="probability"),
        xaxis=dict(range=[1, len(step_probs)], title="rows read (top to bottom)"),
        legend=dict(title="digit"),
    )
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
