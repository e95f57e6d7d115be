"""The figures carry the data they are given, on fixed axes."""

import numpy as np

from hrnn.train.history import EpochEntry
from hrnn.train.progress import ProgressSnapshot
from hrnn.ui.common.figures import image_trace, smooth
from hrnn.ui.common.states_figure import states_figure
from hrnn.ui.draw.figures import image_figure
from hrnn.ui.inside.figures import (
    CURSOR_COLOR,
    OTHER_COLOR,
    PREDICTION_COLOR,
    RIVAL_COLOR,
    belief_figure,
    formation_figure,
    reading_figure,
)
from hrnn.ui.inside.state_map import state_map_figure
from hrnn.ui.inside.sweep import sweep_figure
from hrnn.ui.inside.what_if.figures import changed_image_figure
from hrnn.ui.train.figures import training_figure


def test_smooth_is_a_bias_corrected_moving_average():
    assert smooth([2.0, 2.0, 2.0]).tolist() == [2.0, 2.0, 2.0]
    values = smooth([0.0, 10.0], weight=0.5)
    assert values[0] == 0.0 and values[1] == (0.5 * 0.0 * 0.5 + 0.5 * 10.0) / 0.75


def test_training_figure_has_batches_and_validation_on_fixed_axes():
    snap = ProgressSnapshot(
        epochs=3,
        steps_per_epoch=10,
        batch_steps=list(range(1, 16)),
        batch_loss=list(np.linspace(2.3, 0.5, 15)),
        batch_accuracy=list(np.linspace(0.1, 0.8, 15)),
        epoch_history=[EpochEntry(epoch=1, loss=1.0, accuracy=0.5, val_loss=0.9, val_accuracy=0.6)],
    )
    fig = training_figure(snap)
    by_meta = {t.meta: t for t in fig.data}
    assert len(by_meta["batch_loss"].x) == 15 and by_meta["batch_loss"].x[-1] == 1.5
    assert list(by_meta["validation_accuracy"].y) == [0.6]
    # One legend entry per kind of line, standing for it in both panels: every line is named.
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["each batch", "smoothed over batches", "validation, after each epoch"]
    assert {t.name for t in fig.data} == set(legend)
    assert list(fig.layout.xaxis.range) == [0, 3 * 1.03]  # the whole run, from the start


def test_training_figure_names_every_line_before_the_first_batch():
    """While a run starts its chart is empty; its legend already says what will be drawn (the walkthrough saw only
    'validation, after each epoch' there)."""
    fig = training_figure(ProgressSnapshot(epochs=3, steps_per_epoch=10))
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["each batch", "smoothed over batches", "validation, after each epoch"]
    assert all(list(t.x) == [None] for t in fig.data)  # nothing drawn, yet no trace empty: plotly.js drops those


def test_reading_figure_keeps_pixels_square_and_each_bar_beside_its_row():
    drop = np.linspace(-0.1, 0.4, 28)
    fig = reading_figure(np.zeros((28, 28)), 14, drop, digit=2)
    image, bars = fig.data
    assert fig.layout.xaxis.scaleanchor == "y"  # one pair of axes: square pixels, bars aligned at any width
    assert list(bars.y) == list(range(1, 29)) and bars.orientation == "h"
    np.testing.assert_allclose(bars.customdata, -drop)  # the hover tells the change in P(2)
    outlines = [s for s in fig.layout.shapes if s.line.color == CURSOR_COLOR]
    assert any(s.y0 == 13.5 and s.y1 == 14.5 for s in outlines)  # the cursor row
    greyed = [s for s in fig.layout.shapes if s.fillcolor]
    assert [(s.y0, s.y1) for s in greyed] == [(14.5, 28.5)]  # rows not read yet


def test_prediction_and_rival_get_distinct_colours_and_everyone_else_grey():
    probs = np.full(10, 0.02)
    probs[2], probs[3] = 0.6, 0.24
    fig = belief_figure(probs, prediction=2, rival=3, row=15)
    colours = {trace.name: trace.marker.color for trace in fig.data}
    assert colours == {"2: final answer": PREDICTION_COLOR, "3: main rival": RIVAL_COLOR, "other digits": OTHER_COLOR}
    by_digit = {x: y for trace in fig.data for x, y in zip(trace.x, trace.y)}
    assert by_digit["2"] == 0.6 and by_digit["3"] == 0.24
    lines = formation_figure(np.full((28, 10), 0.1), prediction=2, rival=3, row=15)
    assert len(lines.data) == 10 and sum(trace.showlegend for trace in lines.data) == 3
    assert lines.layout.shapes[0].x0 == 15  # the cursor


def test_state_map_has_ten_digit_clouds_and_the_inputs_path():
    rng = np.random.default_rng(0)
    fig = state_map_figure(rng.normal(size=(50, 2)), np.arange(50) % 10, rng.normal(size=(28, 2)), row=7)
    legend = [trace.name for trace in fig.data if trace.showlegend is not False]
    assert legend == [str(d) for d in range(10)]
    (path,) = [trace for trace in fig.data if trace.name == "this input"]
    assert len(path.x) == 28
    (cursor,) = [trace for trace in fig.data if trace.name == "cursor"]
    assert (cursor.x[0], cursor.y[0]) == (path.x[6], path.y[6])


def test_states_figure_shows_all_rows_and_explains_every_cell():
    states = np.random.default_rng(0).uniform(-1, 1, size=(28, 5))
    fig = states_figure(states, np.array([4, 0, 3, 1, 2]), 9, "what a value means")
    heatmap = fig.data[0]
    assert np.asarray(heatmap.z).shape == (28, 5) and list(heatmap.x) == ["4", "0", "3", "1", "2"]
    assert "row %{y}, unit %{x}" in heatmap.hovertemplate and "what a value means" in heatmap.hovertemplate
    assert (heatmap.zmin, heatmap.zmax) == (-1, 1)  # one scale for every input and row


def test_confusion_figure_puts_true_digits_on_rows_and_a_tile_that_names_its_cell_on_every_cell():
    from hrnn.ui.evaluate.figures import RIGHT_COLOR, cell_id, cell_of_id, confusion_figure

    confusion = np.diag([5] * 10)
    confusion[4, 9] = 3
    fig = confusion_figure(confusion, selected=(4, 9))
    (tiles,) = fig.data
    text, colors = dict(zip(tiles.ids, tiles.text)), dict(zip(tiles.ids, tiles.marker.colors))
    assert tiles.parents[tiles.ids.index(cell_id(4, 9))] == "row 4"  # a click on it reads as (true 4, predicted 9)
    assert cell_of_id(cell_id(4, 9)) == (4, 9) and cell_of_id("row 4") is None
    assert text[cell_id(4, 9)] == "3" and colors[cell_id(4, 4)] == RIGHT_COLOR
    assert text[cell_id(4, 8)] == "" and colors[cell_id(4, 8)] == "#ffffff"  # an empty cell is blank
    frame = fig.layout.shapes[0]  # in the grid's own coordinates: true 0 at the top
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (0.9, 1.0, 0.5, 0.6)
    shares = confusion_figure(confusion, normalised=True).data[0]
    assert dict(zip(shares.ids, shares.text))[cell_id(4, 9)] == "37.5%"
    assert dict(zip(shares.ids, shares.text))[cell_id(0, 0)] == "100.0%"


def test_per_class_figure_counts_each_digits_mistakes_from_zero():
    from hrnn.ui.evaluate.figures import per_class_figure

    confusion = np.diag([98, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    confusion[0, 6], confusion[0, 2], confusion[7, 1] = 1, 1, 3  # digit 0: 2 of 100 misread; digit 7: 3 of 103
    (bars,) = per_class_figure(confusion).data
    assert list(bars.y) == [2, 0, 0, 0, 0, 0, 0, 3, 0, 0]
    assert bars.text[0] == "2 of 100" and bars.text[7] == "3 of 103" and bars.customdata[7] == "97.1%"
    assert per_class_figure(confusion).layout.yaxis.range[0] == 0  # no axis cut to blow up a small gap


def test_compare_figure_overlays_runs_against_epochs_or_images():
    from hrnn.runs.compare import Curves
    from hrnn.ui.evaluate.figures import compare_figure

    nan = float("nan")
    a = Curves([1, 2], [100, 200], [1.0, 0.5], [0.6, 0.8], [1.1, 0.6], [0.55, 0.75])
    b = Curves([1], None, [0.9], [0.7], [nan], [nan])  # no held-out curve, images per epoch unknown
    fig = compare_figure([("a", a), ("b", b)], x="samples")
    names = [t.name for t in fig.data]
    assert names == ["a: training", "a: held-out", "a: training", "a: held-out", "b: training", "b: training"]
    assert list(fig.data[0].x) == [100, 200] and list(fig.data[4].x) == [1]


def test_every_28_by_28_image_is_drawn_by_the_one_image_trace():
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    figures = {
        "draw": image_figure(image),
        "reading": reading_figure(image, 5, np.zeros(28), 3),
        "what if": changed_image_figure(image, [3], "rows erased"),
        "sweep": sweep_figure(image, np.full((28, 10), 0.1), 3, 5),
    }
    for name, fig in figures.items():
        trace = fig.data[0]
        assert trace.to_plotly_json().keys() == image_trace(image, hover=name != "sweep").to_plotly_json().keys(), name
        assert trace.name == "image" and trace.colorscale == image_trace(image).colorscale, name
        np.testing.assert_array_equal(np.asarray(trace.z), image)
        assert list(trace.x) == list(trace.y) == list(range(1, 29)), name  # rows and columns counted from 1
