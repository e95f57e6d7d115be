"""The readers' memory (h, c and the gates after every row, or every pixel of a row) is the LSTM the model runs:
checked against an independent numpy step written here from the equations, and against the hidden states the model
itself gives.

Seen failing with the gate order broken (i and f swapped in the split of `hrnn.nn.memory.lstm_states`, and before in
the numpy recurrence it replaced, alike): the reference test failed on h first, 1,008 of 1,008 values off (by up to
0.051), and the model's own hidden states disagreed in 336 of 336 values of the first image; the other tests passed.
With the row reader's tests added (the same swap, 2026-12-07): its reference test failed on h, 12,532 of 12,544
values off (by up to 0.039), and its last h disagreed with the model's row summaries in 448 of 448 values."""

import numpy as np
import pytest

from hrnn.nn.memory import image_reader_memory, row_reader_memory
from hrnn.nn.probe import final_image_states, probe, row_vectors_batch
from tests.support.data import random_hrnn

ATOL = 1e-5


@pytest.fixture(scope="module")
def model():
    return random_hrnn(row_units=16, image_units=12)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(2).random((3, 28, 28, 1)).astype(np.float32)


def reference_lstm(x, kernel, recurrent_kernel, bias):
    """An LSTM written from its equations, one sequence and one step at a time, gate by gate.

    Keras stores the four gates' weights side by side: columns [0, u) are the input gate's, [u, 2u) the forget
    gate's, [2u, 3u) the candidate's, [3u, 4u) the output gate's. Returns h, c, i, f, o, g, each `(n, steps, u)`.
    """
    u = recurrent_kernel.shape[0]
    block = {name: slice(k * u, (k + 1) * u) for k, name in enumerate("ifgo")}
    W = {name: kernel[:, s] for name, s in block.items()}  # noqa: N806 (the equations' names)
    U = {name: recurrent_kernel[:, s] for name, s in block.items()}  # noqa: N806
    b = {name: bias[s] for name, s in block.items()}
    out = {name: np.zeros((x.shape[0], x.shape[1], u)) for name in "hcifog"}
    for n, sequence in enumerate(x.astype(np.float64)):
        h, c = np.zeros(u), np.zeros(u)
        for t, x_t in enumerate(sequence):
            i = 1 / (1 + np.exp(-(x_t @ W["i"] + h @ U["i"] + b["i"])))
            f = 1 / (1 + np.exp(-(x_t @ W["f"] + h @ U["f"] + b["f"])))
            g = np.tanh(x_t @ W["g"] + h @ U["g"] + b["g"])
            o = 1 / (1 + np.exp(-(x_t @ W["o"] + h @ U["o"] + b["o"])))
            c = f * c + i * g
            h = o * np.tanh(c)
            for name, value in zip("hcifog", (h, c, i, f, o, g)):
                out[name][n, t] = value
    return out


def _assert_matches(memory, expected):
    """Every array of `memory` (an `LstmMemory`) equals the reference's."""
    for name, got in (
        ("h", memory.hidden),
        ("c", memory.cell),
        ("i", memory.input_gate),
        ("f", memory.forget_gate),
        ("o", memory.output_gate),
        ("g", memory.candidate),
    ):
        np.testing.assert_allclose(got, expected[name], atol=ATOL, err_msg=f"{name} differs")


def _weights(cell):
    return [w.numpy() for w in (cell.kernel, cell.recurrent_kernel, cell.bias)]


def test_memory_matches_an_independent_numpy_lstm(model, images):
    rows = row_vectors_batch(model, images)  # the image reader's inputs
    expected = reference_lstm(rows, *_weights(model.get_layer("column_encoder").cell))
    _assert_matches(image_reader_memory(model, images), expected)


def test_memory_shapes_and_ranges(model, images):
    memory = image_reader_memory(model, images)
    for array in (memory.hidden, memory.cell, memory.input_gate, memory.forget_gate, memory.output_gate):
        assert array.shape == (3, 28, 12)
        assert array.dtype == np.float32
    for gate in (memory.input_gate, memory.forget_gate, memory.output_gate):
        assert ((gate >= 0) & (gate <= 1)).all()
    assert (np.abs(memory.hidden) < 1).all() and (np.abs(memory.candidate) <= 1).all()
    assert memory.units == 12


def test_hidden_state_is_the_models_own(model, images):
    memory = image_reader_memory(model, images)
    for k, image in enumerate(images):
        np.testing.assert_allclose(memory.hidden[k], probe(model, image).image_states, atol=ATOL)
    np.testing.assert_allclose(memory.hidden[:, -1], final_image_states(model, images), atol=ATOL)


def test_memory_takes_images_with_or_without_a_channel(model, images):
    with_channel = image_reader_memory(model, images)
    without = image_reader_memory(model, images[..., 0])
    np.testing.assert_array_equal(with_channel.cell, without.cell)


def test_memory_follows_weight_changes(images):
    model = random_hrnn(row_units=8, image_units=8, seed=3)
    before = image_reader_memory(model, images).cell
    cell = model.get_layer("column_encoder").cell
    cell.bias.assign(cell.bias.numpy() + 1.0)
    after = image_reader_memory(model, images).cell
    assert np.abs(after - before).max() > 1e-3


def test_memory_refuses_images_of_another_shape(model):
    with pytest.raises(ValueError, match="28, 28"):
        image_reader_memory(model, np.zeros((2, 27, 28, 1), np.float32))


def test_row_reader_memory_matches_an_independent_numpy_lstm(model, images):
    pixel_rows = images[0, :, :, 0]  # (28, 28): the first image's rows, each 28 one-pixel steps
    expected = reference_lstm(pixel_rows[..., None], *_weights(model.get_layer("row_encoder").layer.cell))
    memory = row_reader_memory(model, pixel_rows)
    assert memory.hidden.shape == (28, 28, 16) and memory.hidden.dtype == np.float32
    _assert_matches(memory, expected)


def test_row_reader_memory_ends_in_the_models_own_row_summaries(model, images):
    for image in images:
        memory = row_reader_memory(model, image[:, :, 0])
        np.testing.assert_allclose(memory.hidden[:, -1], probe(model, image).row_vectors, atol=ATOL)


def test_row_reader_memory_refuses_rows_of_another_shape(model):
    with pytest.raises(ValueError, match=r"\(n, 28\)"):
        row_reader_memory(model, np.zeros((2, 27), np.float32))
