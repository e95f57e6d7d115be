"""The Train page's live figure: each batch's loss and accuracy, smoothed, with validation per epoch."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hrnn.ui.common.figures import smooth, thin


def training_figure(snapshot, epochs=None, height=460):
    """Loss (top) and accuracy (bottom) against epochs: raw and smoothed per-batch values, validation points.

    The x axis always spans the whole run (0..epochs) and the y axes are fixed, so the chart does not jump
    while points arrive. `snapshot` is an `hrnn.train.loop.ProgressSnapshot` (or anything with its fields).
    """
    epochs = epochs or max(snapshot.epochs, 1)
    steps_per_epoch = max(snapshot.steps_per_epoch, 1)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    # float32 on the wire: half the bytes of float64 (every watcher is sent the figure every second), far finer than
    # a pixel; smoothing is done in float64.
    x = (np.asarray(snapshot.batch_steps, dtype=np.float64) / steps_per_epoch).astype(np.float32)
    # One legend entry per kind of line, naming what it shows; each entry stands for its line in both panels
    # (clicking it hides both). Each trace's `meta` names the kind and the panel, for tests and scripts.
    for row, values, name in ((1, snapshot.batch_loss, "loss"), (2, snapshot.batch_accuracy, "accuracy")):
        values = np.asarray(values, dtype=np.float64)
        smoothed = smooth(values) if len(values) else values
        for label, series, line, group in (
            ("each batch", values, dict(width=1, color="rgba(99,110,250,0.3)"), "batch"),
            ("smoothed over batches", smoothed, dict(width=2.5, color="#636efa"), "smoothed"),
        ):
            xs, ys = thin(x, np.asarray(series, dtype=np.float32))
            fig.add_trace(
                go.Scatter(  # [None] before the first batch, as below: plotly leaves an empty trace out of the legend
                    x=xs if len(xs) else [None],
                    y=ys if len(ys) else [None],
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
        points = [(e.epoch, getattr(e, key)) for e in snapshot.epoch_history if getattr(e, key) is not None]
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
