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
