"""The state map's figure: test digits' final states as clouds, the input's reading as a path among them."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.states_figure import CURSOR_COLOR, ROWS
from hrnn.ui.inside.figures import DIGIT_COLORS, LABEL_HALO


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
