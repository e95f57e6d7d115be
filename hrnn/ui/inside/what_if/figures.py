"""The figures of Inside's "What if?": the input as the network now reads it with the changed rows outlined, the
ten probabilities before and after, the state map with both paths, and how the image reader's state changed (plotly
and numpy only)."""

import numpy as np
import plotly.graph_objects as go

from hrnn.ui.common.figures import DIGITS, image_trace
from hrnn.ui.inside.figures import DIGIT_COLORS, LABEL_HALO, RIVAL_COLOR

CHANGED_COLOR = RIVAL_COLOR  # the changed run, everywhere in the section: Okabe and Ito's vermillion
HELD_FILL = "rgba(213, 94, 0, 0.18)"
AXIS_ROWS = [1, 5, 10, 15, 20, 25, 28]
# The state map's digit colours as a stepped colour scale over 0..9: one number per dot is quicker to send (and for
# plotly to check) than 2,000 colour names.
DIGIT_SCALE = [[(d + edge) / 10, color] for d, color in enumerate(DIGIT_COLORS) for edge in (0, 1)]


def _runs(rows):
    """Consecutive 1-based rows as `(first, last)` bands: [3, 4, 5, 9] -> [(3, 5), (9, 9)]."""
    bands = []
    for row in sorted(set(rows)):
        if bands and row == bands[-1][1] + 1:
            bands[-1] = (bands[-1][0], row)
        else:
            bands.append((row, row))
    return bands


def changed_image_figure(image28, rows, title, held_from=None, height=300):
    """The input as the network reads it now, `(28, 28)`, its changed `rows` (1-based) outlined; with `held_from`
    (a 1-based row), the rows from there to the bottom shaded: a unit is held while the network reads them. The first
    trace's z is the image."""
    fig = go.Figure(image_trace(image28))
    for first, last in _runs(rows):
        fig.add_shape(
            type="rect", x0=0.5, x1=28.5, y0=first - 0.5, y1=last + 0.5, line=dict(color=CHANGED_COLOR, width=3)
        )
    if held_from is not None:
        fig.add_shape(
            type="rect",
            x0=0.5,
            x1=28.5,
            y0=held_from - 0.5,
            y1=28.5,
            fillcolor=HELD_FILL,
            line=dict(color=CHANGED_COLOR, width=3, dash="dot"),
        )
    fig.update_xaxes(range=[0.5, 28.5], constrain="domain", showgrid=False, zeroline=False)
    fig.update_yaxes(range=[28.5, 0.5], scaleanchor="x", constrain="domain", title="row", tickvals=AXIS_ROWS)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=title, font=dict(size=13)))
    return fig


def what_if_bars(before, after, label="rows erased"):
    """The ten probabilities of an input untouched (grey) and changed (`label` says how), side by side."""
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    digits = DIGITS[: len(before)]
    fig = go.Figure(
        [
            go.Bar(
                x=digits, y=before, name="untouched", marker_color="#b0b7c3", hovertemplate="%{y:.3f}<extra></extra>"
            ),
            go.Bar(x=digits, y=after, name=label, marker_color=CHANGED_COLOR, hovertemplate="%{y:.3f}<extra></extra>"),
        ]
    )
    fig.update_layout(
        height=260,
        barmode="group",
        margin=dict(l=10, r=10, t=10, b=10),
        yaxis=dict(range=[0, 1], title="probability"),
        xaxis=dict(title="digit", type="category"),
        legend=dict(orientation="h", y=1.12, x=0),
    )
    return fig


def _path_traces(path, name, color, dash):
    """The input's path over the map `(28, 2)`, and a star at its end."""
    return [
        go.Scatter(
            x=path[:, 0],
            y=path[:, 1],
            mode="lines+markers",
            name=name,
            line=dict(color=color, width=3, dash=dash),
            marker=dict(size=5, color=color),
            customdata=np.arange(1, 29),
            hovertemplate=f"{name}, after row %{{customdata}}<extra></extra>",
        ),
        go.Scatter(
            x=path[-1:, 0],
            y=path[-1:, 1],
            mode="markers",
            name=f"{name}: end",
            showlegend=False,
            marker=dict(size=16, color=color, symbol="star", line=dict(color="black", width=1)),
            hovertemplate=f"{name}, after row 28 (the end)<extra></extra>",
        ),
    ]


def two_paths_figure(state_map, before, after, height=420):
    """The state map (`hrnn.analysis.projection.StateMap`: test digits' final states as dots, coloured and labelled
    by digit) with the input's path untouched (`before`, black) and changed (`after`, vermillion): each
    `(28, image_units)` image reader states, projected here. Lighter than the views' map (one trace for the dots), so
    that a change redraws it quickly."""
    projection, points, labels = state_map.projection, np.asarray(state_map.points), np.asarray(state_map.labels)
    present = [d for d in range(10) if (labels == d).any()]
    centres = np.array([np.median(points[labels == d], axis=0) for d in present]).reshape(-1, 2)
    fig = go.Figure(
        [
            go.Scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                name="test digits",
                showlegend=False,
                marker=dict(
                    size=5, color=labels.astype(np.float32), colorscale=DIGIT_SCALE, cmin=-0.5, cmax=9.5, opacity=0.35
                ),
                hoverinfo="skip",
            ),
            go.Scatter(
                x=centres[:, 0],
                y=centres[:, 1],
                mode="text",
                text=[f"<b>{d}</b>" for d in present],
                textfont=dict(size=20, color="#222", shadow=LABEL_HALO),
                showlegend=False,
                hoverinfo="skip",
            ),
            *_path_traces(projection.project(before), "untouched", "black", "solid"),
            *_path_traces(projection.project(after), "changed", CHANGED_COLOR, "dash"),
        ]
    )
    fig.update_xaxes(zeroline=False, showticklabels=False, title="map axis 1")
    fig.update_yaxes(zeroline=False, showticklabels=False, title="map axis 2")
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        plot_bgcolor="white",
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
    )
    return fig


def delta_figure(delta, units, height=380):
    """How the image reader's state changed after each row: `delta` `(28, n)` changed minus untouched, for the
    units `units` `(n,)` (the columns, most changed first). Blue: higher than untouched; red: lower."""
    delta = np.asarray(delta, dtype=np.float64)
    top = max(float(np.abs(delta).max()), 0.05)
    fig = go.Figure(
        go.Heatmap(
            z=delta.astype(np.float32),
            x=[str(u) for u in units],
            y=np.arange(1, 29),
            colorscale="RdBu",
            zmid=0,
            zmin=-top,
            zmax=top,
            colorbar=dict(title="change", thickness=10),
            xgap=0.5,
            ygap=0.5,
            hovertemplate="after row %{y}, unit %{x}: %{z:+.2f} against untouched<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title="unit (most changed first)", tickangle=-90, showgrid=False)
    fig.update_yaxes(range=[28.5, 0.5], title="row", tickvals=AXIS_ROWS, showgrid=False)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="white")
    return fig
