"""probe() returns what the layers computed, from the model's own weights."""

import keras
import numpy as np
import pytest

from hrnn.nn.builders import build_hrnn
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.probe import final_column_states, probe
from tests.conftest import random_hrnn


@pytest.fixture(scope="module")
def model():
    return random_hrnn()


@pytest.fixture
def image():
    return np.random.default_rng(1).random((28, 28)).astype(np.float32)


def test_shapes(model, image):
    result = probe(model, image)
    assert result.probs.shape == (10,)
    assert result.row_encodings.shape == (28, 16)
    assert result.column_states.shape == (28, 12)
    assert result.step_probs.shape == (28, 10)
    np.testing.assert_allclose(result.step_probs.sum(axis=1), 1.0, atol=1e-5)


def test_last_step_is_the_models_prediction(model, image):
    result = probe(model, image)
    np.testing.assert_array_equal(result.step_probs[-1], result.probs)
    np.testing.assert_allclose(result.probs, model.predict(image[None, :, :, None], verbose=0)[0], atol=1e-5)


def test_states_match_keras_sub_models(model, image):
    x = image[None, :, :, None]
    rows = keras.Model(model.inputs, model.get_layer("row_encoder").output).predict(x, verbose=0)[0]
    final = keras.Model(model.inputs, model.get_layer("column_encoder").output).predict(x, verbose=0)[0]
    result = probe(model, image)
    np.testing.assert_allclose(result.row_encodings, rows, atol=1e-5)
    np.testing.assert_allclose(result.column_states[-1], final, atol=1e-5)
    np.testing.assert_allclose(final_column_states(model, x)[0], final, atol=1e-5)


def test_column_states_match_a_keras_lstm_with_return_sequences(model, image):
    col = model.get_layer("column_encoder")
    reference = keras.layers.LSTM(col.units, return_sequences=True)
    reference.build((None, 28, 16))
    reference.set_weights(col.get_weights())
    result = probe(model, image)
    expected = reference(result.row_encodings[None]).numpy()[0]
    np.testing.assert_allclose(result.column_states, expected, atol=1e-5)


def test_step_probs_use_the_classifiers_own_weights(image):
    model = build_hrnn(8, 8)
    classifier = model.get_layer("classifier")
    kernel, bias = classifier.get_weights()
    bias[7] = 50.0  # the classifier now says 7 whatever the state
    classifier.set_weights([kernel, bias])
    result = probe(model, image)
    logits = result.column_states @ kernel + bias
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(result.step_probs, expected, atol=1e-5)
    assert (result.step_probs.argmax(1) == 7).all()


def test_probe_follows_weight_changes(image):
    model = build_hrnn(8, 8)
    before = probe(model, image).probs
    classifier = model.get_layer("classifier")
    kernel, bias = classifier.get_weights()
    classifier.set_weights([kernel, bias + np.arange(10, dtype=np.float32)])
    after = probe(model, image).probs
    assert not np.allclose(before, after)


@pytest.mark.parametrize("shape", [(28,), (27, 28), (1, 28, 28), (28, 28, 3)])
def test_wrong_image_shape_is_refused(model, shape):
    with pytest.raises(ValueError, match="28 x 28"):
        probe(model, np.zeros(shape, np.float32))


def test_model_without_hrnn_layers_is_refused(image):
    inputs = keras.Input((28, 28, 1))
    other = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ModelFileError, match="not an hrnn model"):
        probe(other, image)
