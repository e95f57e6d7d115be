"""The Evaluate page's figures: accuracy per digit, the confusion matrix, and runs compared."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hrnn.ui.figures.common import DIGITS

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
    from hrnn.analysis.evaluation import normalise_rows

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
        runs: `[(label, hrnn.runs.compare.Curves), ...]`.
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
