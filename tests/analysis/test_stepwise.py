"""The row-by-row forward pass and its interventions: the model's own prediction when nothing is touched, and a tiny
model whose readings with a unit held or rows replaced are worked out by hand."""

import math

import numpy as np
import pytest

from hrnn.analysis.interventions import (
    IMAGE_READER,
    ROW_READER,
    Clamp,
    blank_row_vector,
    erase_rows,
    intervene,
    replace_rows,
)
from hrnn.analysis.stepwise import hrnn_weights, read_image, read_rows, softmax
from hrnn.nn.builders import build_hrnn
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.probe import probe
from tests.support.data import random_hrnn


@pytest.fixture(scope="module")
def model():
    return random_hrnn()


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(1).random((28, 28)).astype(np.float32)


def _predict(model, image):
    return model.predict(image[None, :, :, None], verbose=0)[0]


def test_untouched_it_computes_what_the_model_computes(model, image):
    weights = hrnn_weights(model)
    vectors = read_rows(weights, image)
    states, step_probs = read_image(weights, vectors)
    result = probe(model, image)
    np.testing.assert_allclose(vectors, result.row_vectors, atol=1e-5)
    np.testing.assert_allclose(states, result.image_states, atol=1e-5)
    np.testing.assert_allclose(step_probs[-1], _predict(model, image), atol=1e-5)
    untouched = intervene(weights, result.row_vectors)  # from probe's row summaries, as the page does
    np.testing.assert_allclose(untouched.probs, _predict(model, image), atol=1e-5)


def test_erased_and_transplanted_rows_read_as_the_edited_image(model, image):
    weights = hrnn_weights(model)
    vectors = probe(model, image).row_vectors
    erased = intervene(weights, replace_rows(vectors, [3, 4, 20], blank_row_vector(weights)))
    np.testing.assert_allclose(erased.probs, _predict(model, erase_rows(image, [3, 4, 20])), atol=1e-5)
    donor = np.random.default_rng(2).random((28, 28)).astype(np.float32)
    moved = intervene(weights, replace_rows(vectors, [10, 11], probe(model, donor).row_vectors))
    edited = image.copy()
    edited[10:12] = donor[10:12]
    np.testing.assert_allclose(moved.probs, _predict(model, edited), atol=1e-5)


def test_a_clamp_is_checked_against_the_model():
    weights = hrnn_weights(build_hrnn(4, 3))
    for clamp, message in [
        (Clamp("classifier", 0, 0.0, 0), "holds a unit of image_reader or row_reader"),
        (Clamp(IMAGE_READER, 3, 0.0, 0), "the image reader has units 0 to 2, got 3"),
        (Clamp(ROW_READER, -1, 0.0, 0), "the row reader has units 0 to 3, got -1"),
        (Clamp(ROW_READER, 0, 1.5, 0), "a unit holds a value from -1 to 1, got 1.5"),
        (Clamp(ROW_READER, 0, 0.0, 28), "rows are 0 to 27, got 28"),
    ]:
        with pytest.raises(ValueError, match=message):
            clamp.check(weights)


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


# A one-unit HRNN whose readings can be worked out on paper. Row reader: no input or recurrent weights and a forget
# gate shut (bias -50), so every row's summary is R = o * tanh(i * g) of its biases, whatever the pixels. Image
# reader: input and output gates open (bias +50), forget gate shut, and g = tanh(A * x + W * h): so its state after a
# row is h = tanh(tanh(A * x + W * h_before)), x the row's summary.
# Every weight is exact in float32 (the model's), so paper and model agree to float64's rounding.
ROW_BIASES = (0.25, -50.0, 0.75, -0.25)  # i, f, g, o
A, W = 1.5, -0.75
CLASSIFIER_KERNEL = np.arange(-5, 5) / 4
CLASSIFIER_BIAS = np.arange(10)[::-1] / 8 - 0.5
R = _sigmoid(ROW_BIASES[3]) * math.tanh(_sigmoid(ROW_BIASES[0]) * math.tanh(ROW_BIASES[2]))


@pytest.fixture(scope="module")
def paper_model():
    m = build_hrnn(1, 1)
    m.get_layer("row_encoder").set_weights([np.zeros((1, 4)), np.zeros((1, 4)), np.array(ROW_BIASES)])
    m.get_layer("column_encoder").set_weights(
        [np.array([[0.0, 0.0, A, 0.0]]), np.array([[0.0, 0.0, W, 0.0]]), np.array([50.0, -50.0, 0.0, 50.0])]
    )
    m.get_layer("classifier").set_weights([CLASSIFIER_KERNEL[None], CLASSIFIER_BIAS])
    return m


def _classify(h):
    return softmax(CLASSIFIER_KERNEL * h + CLASSIFIER_BIAS)


def _step(x, h_before):
    return math.tanh(math.tanh(A * x + W * h_before))


def test_the_paper_model_reads_as_worked_out_by_hand(paper_model, image):
    h = 0.0
    for _ in range(28):
        h = _step(R, h)
    weights = hrnn_weights(paper_model)
    vectors = read_rows(weights, image)
    np.testing.assert_allclose(vectors, np.full((28, 1), R), atol=1e-9)
    untouched = intervene(weights, vectors)
    np.testing.assert_allclose(untouched.image_states[-1, 0], h, atol=1e-9)
    np.testing.assert_allclose(untouched.probs, _classify(h), atol=1e-9)
    np.testing.assert_allclose(untouched.probs, _predict(paper_model, image), atol=1e-5)  # and as Keras reads it


def test_holding_a_unit_changes_the_reading_as_worked_out_by_hand(paper_model, image):
    weights = hrnn_weights(paper_model)
    vectors = read_rows(weights, image)
    untouched = intervene(weights, vectors)
    h26, h27 = untouched.image_states[25:27, 0]  # the states after rows 26 and 27, untouched

    # The image reader held at 0.9 on the last row: the classifier reads 0.9.
    last = intervene(weights, vectors, Clamp(IMAGE_READER, 0, 0.9, 27))
    np.testing.assert_allclose(last.probs, _classify(0.9), atol=1e-9)
    np.testing.assert_allclose(last.image_states[:27], untouched.image_states[:27], atol=1e-12)  # rows above it
    # Held at -0.4 from row 27 on: rows 27 and 28 both hold it.
    two = intervene(weights, vectors, Clamp(IMAGE_READER, 0, -0.4, 26))
    np.testing.assert_allclose(two.image_states[25:, 0], [h26, -0.4, -0.4], atol=1e-12)
    np.testing.assert_allclose(two.probs, _classify(-0.4), atol=1e-9)
    # The row reader's summary zeroed on the last row: the image reader reads 0 there.
    zeroed = intervene(weights, vectors, Clamp(ROW_READER, 0, 0.0, 27))
    np.testing.assert_allclose(zeroed.row_vectors[:, 0], [R] * 27 + [0.0], atol=1e-12)
    np.testing.assert_allclose(zeroed.probs, _classify(_step(0.0, h27)), atol=1e-9)
    # Rows 27 and 28 transplanted from a donor whose summaries are 0.25: as worked out, and as the model reads them.
    moved = intervene(weights, replace_rows(vectors, [26, 27], np.full((28, 1), 0.25)))
    np.testing.assert_allclose(moved.probs, _classify(_step(0.25, _step(0.25, h26))), atol=1e-9)


def test_a_model_without_the_hrnns_layers_is_refused():
    import keras

    inputs = keras.Input((28, 28, 1))
    other = keras.Model(inputs, keras.layers.Dense(10, name="classifier")(keras.layers.Flatten()(inputs)))
    with pytest.raises(ModelFileError, match="not an hrnn model"):
        hrnn_weights(other)
