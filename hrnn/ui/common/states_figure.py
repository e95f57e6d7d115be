"""The heatmap of a layer's vectors, one line per pixel row, that Inside and Train's inside view share: the same
colours, axes and hover text on both pages (plotly and numpy only)."""

import numpy as np
import plotly.graph_objects as go

CURSOR_COLOR = "#009E73"
UNREAD_FILL = "rgba(255,255,255,0.6)"  # laid over the rows the network has not read yet
ROWS = np.arange(1, 29)
ROW_RANGE = [28.5, 0.5]  # rows 1..28, row 1 at the top
ROW_TICKS = [1, 5, 10, 15, 20, 25, 28]
SHOWN_UNITS = 32  # the units a heatmap shows at first: the busiest, as Inside's "Units shown" starts


def cursor_shapes(fig, row, x0, x1, xref="x", yref="y"):
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


def states_figure(states, units, row, meaning, height=430):
    """A heatmap of one layer's vectors, one line per row, the rows after `row` greyed out and `row` outlined.

    Args:
        states: `(28, n)` values in [-1, 1] to show (units already chosen and ordered).
        units: `(n,)` the unit numbers, the x labels.
        row: the cursor, 1..28; None for none (every row read, none outlined).
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
    if row is not None:
        cursor_shapes(fig, row, -0.5, len(labels) - 0.5)
    fig.update_xaxes(type="category", title="unit", tickangle=-90, nticks=min(len(labels), 32), showgrid=False)
    fig.update_yaxes(range=ROW_RANGE, title="row", tickvals=ROW_TICKS, showgrid=False)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white")
    return fig
