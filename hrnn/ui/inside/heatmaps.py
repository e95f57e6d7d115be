"""The heatmaps of the readers' units: one line per row (or per pixel), one column per unit (the state h view's is
`hrnn.ui.common.states_figure`, which Train's inside view shares)."""

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hrnn.ui.common.states_figure import ROW_RANGE, ROWS, cursor_shapes


@dataclass(frozen=True)
class Panel:
    """One heatmap of a row of heatmaps that share their steps (rows or pixels) and their units."""

    title: str  # above the panel: the letter and a few words ("f: kept")
    values: np.ndarray  # (28, n) one line per step, the units already chosen and ordered
    meaning: str  # what a value is, in the hover text of every cell


SIGNED, GATE = "signed", "gate"  # the panels' colours: blue + / red - (states, memory) or 0 to 1 (gates)
GATE_COLORS = "Purples"  # white (closed, 0) to dark purple (open, 1): not to be read as the states' signs
PIXELS_WIDTH = 0.07  # the share of the width that the row's pixels take, beside the row reader's panels


def panels_figure(panels, units, colors, row=None, pixels=None, height=470):
    """Heatmaps side by side, one line per step and one column per unit, on one colour scale and one steps axis.

    The image reader's steps are rows: give `row`, the cursor (1..28), and the rows after it are greyed and it is
    outlined in every panel. The row reader's steps are the pixels of one row: give `pixels`, that row, shown first as
    a narrow strip of ink, so that each step sits beside the pixel it read.

    Args:
        panels: `Panel`s, all `(28, n)`.
        units: `(n,)` the unit numbers, the x labels of every panel.
        colors: `SIGNED` (blue +, red -, each panel from -m to +m on a scale of its own, m its largest magnitude and
            at least 1: h keeps the -1 to +1 of the state's heatmap, the memory c gets its larger range) or `GATE`
            (0 to 1, one scale for all).
        row: the cursor (image reader), or None.
        pixels: `(28,)` the pixel row in [0, 1] (row reader), or None.
    """
    labels = [str(u) for u in units]
    values = [np.asarray(panel.values, dtype=np.float64) for panel in panels]
    first = 2 if pixels is not None else 1  # the subplot column of the first panel
    strip = [PIXELS_WIDTH] if pixels is not None else []
    widths = strip + [(1 - sum(strip)) / len(panels)] * len(panels)
    titles = ["ink"] * len(strip) + [panel.title for panel in panels]
    fig = make_subplots(
        rows=1, cols=len(widths), shared_yaxes=True, column_widths=widths, horizontal_spacing=0.025,
        subplot_titles=titles,
    )  # fmt: skip
    step = "row" if pixels is None else "pixel"
    if pixels is not None:
        fig.add_trace(
            go.Heatmap(
                z=np.asarray(pixels, np.float64)[:, None].tolist(), x=["ink"], y=ROWS.tolist(), colorscale="gray",
                zmin=0, zmax=1, showscale=False, name="ink", hovertemplate="pixel %{y}: ink %{z:.2f}<extra></extra>",
            ),
            row=1, col=1,
        )  # fmt: skip
        fig.update_xaxes(showticklabels=False, row=1, col=1)
    for k, (panel, z) in enumerate(zip(panels, values), start=first):
        # SIGNED: a scale per panel, from -m to +m (m: its largest magnitude, at least 1), under the panel; GATE: one
        # scale, 0 to 1, under them all. Horizontal scales under the units' numbers take no width from a phone's panels.
        color_axis = f"coloraxis{k - first + 1 if colors == SIGNED and k > first else ''}"
        fig.add_trace(
            go.Heatmap(
                z=z.tolist(), x=labels, y=ROWS.tolist(), coloraxis=color_axis, xgap=0.5, ygap=0.5, name=panel.title,
                hovertemplate=f"{step} %{{y}}, unit %{{x}}: %{{z:+.2f}}<br>{panel.meaning}<extra></extra>",
            ),
            row=1, col=k,
        )  # fmt: skip
        fig.update_xaxes(type="category", tickangle=-90, nticks=min(len(labels), 8), showgrid=False, row=1, col=k)
        if row is not None:
            axis = "" if k == 1 else str(k)
            cursor_shapes(fig, row, -0.5, len(labels) - 0.5, xref=f"x{axis}", yref=f"y{axis}")
        if colors == SIGNED or k == first:
            left, right = fig.get_subplot(1, k).xaxis.domain
            if colors == SIGNED:
                top = max(1.0, float(np.abs(z).max()))
                scale = dict(colorscale="RdBu", cmin=-top, cmax=top, cmid=0)
                where = dict(x=(left + right) / 2, len=0.8 * (right - left), tickvals=[-top, 0, top])
                where["ticktext"] = [f"{-top:.1f}", "0", f"+{top:.1f}"]  # three ticks: legible under a phone's panel
            else:
                scale = dict(colorscale=GATE_COLORS, cmin=0, cmax=1)
                where = dict(x=(left + 1) / 2, len=0.6 * (1 - left), tickvals=[0, 0.5, 1])
            bar = dict(orientation="h", thickness=10, xanchor="center", y=-0.12, yanchor="top", **where)
            fig.update_layout({color_axis: dict(**scale, colorbar=bar)})
    title = "row" if pixels is None else "pixel, left (top) to right"
    fig.update_yaxes(range=ROW_RANGE, tickvals=[1, 5, 10, 15, 20, 25, 28], showgrid=False)
    fig.update_yaxes(title=title, row=1, col=1)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=60),
        plot_bgcolor="white",
    )
    return fig
