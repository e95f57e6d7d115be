"""The figures carry the data they are given, on fixed axes."""

import numpy as np

from hrnn.charts import smooth, states_figure, step_probs_figure, training_figure
from hrnn.progress import ProgressSnapshot


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
        epoch_history=[{"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": 0.9, "val_accuracy": 0.6}],
    )
    fig = training_figure(snap)
    by_name = {t.name: t for t in fig.data}
    assert len(by_name["batch loss"].x) == 15 and by_name["batch loss"].x[-1] == 1.5
    assert list(by_name["validation accuracy"].y) == [0.6]
    assert list(fig.layout.xaxis.range) == [0, 3 * 1.03]  # the whole run, from the start


def test_states_and_step_probability_figures_show_all_rows():
    states = np.random.default_rng(0).normal(size=(28, 5))
    fig = states_figure(np.zeros((28, 28)), states, np.arange(5), "column-LSTM state")
    assert np.asarray(fig.data[1].z).shape == (28, 5)
    probs = np.full((28, 10), 0.1)
    assert len(step_probs_figure(probs).data) == 10


def test_confusion_figure_puts_true_digits_on_rows_and_a_clickable_marker_on_every_cell():
    from hrnn.charts import confusion_figure

    confusion = np.diag([5] * 10)
    confusion[4, 9] = 3
    fig = confusion_figure(confusion, selected=(4, 9))
    mistakes, right, cells = fig.data
    assert mistakes.z[4][9] == 3 and np.isnan(mistakes.z[4][4]) and right.z[4][4] == 5
    assert mistakes.text[4][9] == "3" and fig.layout.yaxis.range == (9.5, -0.5)  # true 0 at the top
    assert mistakes.text[4][8] == "" and np.isnan(mistakes.z[4][8])  # an empty cell is blank
    point = 10 * 4 + 9
    assert (cells.x[point], cells.y[point]) == (9, 4)  # a click on it reads as (true 4, predicted 9)
    frame = fig.layout.shapes[0]
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (8.5, 9.5, 3.5, 4.5)
    shares = confusion_figure(confusion, normalised=True)
    assert shares.data[0].text[4][9] == "37.5%" and shares.data[1].text[0][0] == "100.0%"


def test_per_class_figure_starts_its_axis_below_the_lowest_bar():
    from hrnn.charts import per_class_figure

    fig = per_class_figure([0.99, 0.97, 0.93] + [1.0] * 7)
    assert fig.layout.yaxis.range == (0.85, 1.0) and "axis from 85%" in fig.layout.yaxis.title.text
    assert per_class_figure([0.1] * 10).layout.yaxis.range == (0.0, 1.0)


def test_compare_figure_overlays_runs_against_epochs_or_images():
    from hrnn.charts import compare_figure
    from hrnn.compare import Curves

    nan = float("nan")
    a = Curves([1, 2], [100, 200], [1.0, 0.5], [0.6, 0.8], [1.1, 0.6], [0.55, 0.75])
    b = Curves([1], None, [0.9], [0.7], [nan], [nan])  # no held-out curve, images per epoch unknown
    fig = compare_figure([("a", a), ("b", b)], x="samples")
    names = [t.name for t in fig.data]
    assert names == ["a: training", "a: held-out", "a: training", "a: held-out", "b: training", "b: training"]
    assert list(fig.data[0].x) == [100, 200] and list(fig.data[4].x) == [1]
