"""The heatmaps of the readers' units: one line per row (or per pixel), one column per unit."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.inside.figures import ROW_RANGE, ROWS, cursor_shapes


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
    cursor_shapes(fig, row, -0.5, len(labels) - 0.5)
    fig.update_xaxes(type="category", title="unit", tickangle=-90, nticks=min(len(labels), 32), showgrid=False)
    fig.update_yaxes(range=ROW_RANGE, title="row", tickvals=[1, 5, 10, 15, 20, 25, 28], showgrid=False)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white")
    return fig
