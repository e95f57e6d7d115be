"""The Evaluate page's figures: accuracy per digit, the confusion matrix, and runs compared."""

import re

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from hrnn.ui.common.figures import DIGITS

RUN_COLORS = ("#636efa", "#ef553b", "#00a67e", "#ab63fa")  # one per compared run (at most 4)
MISTAKE_SCALE = [[0.0, "#ffffff"], [1.0, "#f26b5b"]]  # light enough for black text on the darkest cell
RIGHT_COLOR = "#cdebc5"


def per_class_figure(confusion, height=280):
    """Bars of how many test images of each true digit the model misread, from `confusion` (`(10, 10)` counts,
    `[true][predicted]`), each labelled "12 of 1,028". The axis counts from 0: a share of a percent is not blown up
    into a tall bar, and the count says how many images a percentage stands for.
    """
    confusion = np.asarray(confusion, dtype=np.int64)
    totals = confusion.sum(axis=1)
    wrong = totals - np.diag(confusion)
    right = [f"{1 - w / t:.1%}" if t else "-" for w, t in zip(wrong, totals)]
    fig = go.Figure(
        go.Bar(
            x=DIGITS[: len(wrong)],
            y=wrong.tolist(),
            text=[f"{w:,} of {t:,}" for w, t in zip(wrong, totals)],
            textposition="outside",
            cliponaxis=False,
            marker_color="#ef553b",
            customdata=right,
            hovertemplate="digit %{x}: %{text} misread (%{customdata} read right)<extra></extra>",
        )
    )
    top = max(int(wrong.max()) if wrong.size else 0, 1)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=20, b=10),
        yaxis=dict(range=[0, top * 1.25], title="images misread", rangemode="tozero"),
        xaxis=dict(title="true digit", type="category"),
    )
    return fig


def cell_id(true, predicted):
    """The id of a confusion-matrix cell's tile in `confusion_figure`, which a click on it reports: "7,2"."""
    return f"{true},{predicted}"


def cell_of_id(point_id):
    """The `(true, predicted)` digits of a tile id made by `cell_id`, or None for any other id (a row's, or none)."""
    match = re.fullmatch(r"(\d+),(\d+)", str(point_id))
    return (int(match[1]), int(match[2])) if match else None


def confusion_figure(confusion, normalised=False, selected=None, height=440):
    """The confusion matrix as a grid of tiles: rows are true digits (0 at the top), columns predicted digits.

    Mistakes are shaded by their size (the colour scale ends at the largest mistake, so the diagonal does not wash
    them out); the diagonal (read right) is one light green; empty cells are left blank. Every other cell shows its
    count, or its share of the row when `normalised`. `selected` `(true, predicted)` gets a frame.

    The grid is a treemap (a root, a row of ten tiles under it for each true digit, all tiles of one size, rows stacked
    and tiles side by side), not a heatmap: a click on a tile reports that tile, as a point whose `id` is
    `cell_id(true, predicted)`. A cartesian chart selects, on a click, the point its last hover found, and a touch
    screen hovers only after the tap: there a tap selected the cell tapped before (plotly.js #1967). The figure's
    `text` and `marker.colors` list the root, the rows, then the cells row by row; the digits and axis titles along
    the grid are annotations.
    """
    from hrnn.analysis.evaluation import normalise_rows

    counts = np.asarray(confusion, dtype=np.int64)  # (n, n): true digit, predicted digit
    n = len(counts)
    values = normalise_rows(counts) if normalised else counts.astype(np.float64)
    off = np.where(np.eye(n, dtype=bool), 0.0, values)
    top = float(off.max()) if off.max() > 0 else 1.0
    # One node per tile: (id, parent, label, colour, text, hover); the root and the rows are covered by their cells.
    nodes = [("all", "", "", "#ffffff", "", "")]
    nodes += [(f"row {t}", "all", f"true {t}", "#ffffff", "", "") for t in range(n)]
    for t in range(n):
        for p in range(n):
            count, value = counts[t, p], values[t, p]
            color = RIGHT_COLOR if t == p else sample_colorscale(MISTAKE_SCALE, [value / top])[0]
            nodes.append(
                (
                    cell_id(t, p),
                    f"row {t}",
                    f"true {t}, read as {p}",
                    "#ffffff" if count == 0 else color,
                    "" if count == 0 else f"{value:.1%}" if normalised else f"{count}",
                    f"{value:.1%} of the {t}s" if normalised else f"{count:,} image{'s' if count != 1 else ''}",
                )
            )
    ids, parents, labels, colors, text, hover = (list(column) for column in zip(*nodes))
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            parents=parents,
            labels=labels,
            values=[0] * (n + 1) + [1] * (n * n),  # every cell one tile of the same size; rows and root add them up
            sort=False,
            tiling=dict(packing="dice-slice", pad=0),  # rows stacked, each row's tiles side by side
            pathbar=dict(visible=False),
            marker=dict(colors=colors, line=dict(width=1, color="#ffffff"), pad=dict(t=0, l=0, r=0, b=0)),
            text=text,
            texttemplate="%{text}",
            textposition="middle center",
            textfont=dict(color="#1f2937", size=12),
            customdata=hover,
            hovertemplate="%{label}: %{customdata}<extra></extra>",
            domain=dict(x=[0, 1], y=[0, 1]),
        )
    )
    # The digits along the top and down the left, just outside the grid, as axis tick labels would be.
    digits = [dict(x=(p + 0.5) / n, y=1, yanchor="bottom", yshift=2, text=str(p)) for p in range(n)]
    digits += [dict(x=0, xanchor="right", xshift=-6, y=1 - (t + 0.5) / n, text=str(t)) for t in range(n)]
    titles = [
        dict(x=0.5, y=1, yanchor="bottom", yshift=20, text="predicted digit"),
        dict(x=0, xanchor="right", xshift=-24, y=0.5, text="true digit", textangle=-90),
    ]
    digits = [{**d, "font": dict(color="#555555", size=11)} for d in digits]
    placed = dict(xref="paper", yref="paper", showarrow=False, xanchor="center", yanchor="middle")
    fig.update_layout(
        annotations=[{**placed, **a} for a in digits + titles],
        height=height,
        margin=dict(l=50, r=10, t=48, b=10),
        uniformtext=dict(minsize=9, mode="show"),  # one text size on every tile, small enough for the narrowest
    )
    if selected is not None:
        t, p = selected
        fig.add_shape(
            type="rect",
            xref="paper",
            yref="paper",
            x0=p / n,
            x1=(p + 1) / n,
            y0=1 - (t + 1) / n,
            y1=1 - t / n,
            line=dict(color="#1f2937", width=3),
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
