"""probe() returns what the layers computed, from the model's own weights; predict_batch and the image vectors
are Keras's own outputs, compiled once per model."""

import gc
import weakref

import keras
import numpy as np
import pytest

from hrnn.nn.architectures import ARCHITECTURES
from hrnn.nn.builders import build_hrnn
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.probe import _compiled, final_image_states, predict_batch, predict_one, probe, row_vectors_batch
from tests.support.data import random_hrnn


@pytest.fixture(scope="module")
def model():
    return random_hrnn()


@pytest.fixture
def image():
    return np.random.default_rng(1).random((28, 28)).astype(np.float32)


def test_shapes(model, image):
    result = probe(model, image)
    assert result.probs.shape == (10,)
    assert result.row_vectors.shape == (28, 16)
    assert result.image_states.shape == (28, 12)
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
    np.testing.assert_allclose(result.row_vectors, rows, atol=1e-5)
    np.testing.assert_allclose(result.image_states[-1], final, atol=1e-5)
    np.testing.assert_allclose(final_image_states(model, x)[0], final, atol=1e-5)


def test_row_vectors_of_a_batch_are_the_probes(model, image):
    images = np.stack([image, image[::-1]])  # (2, 28, 28)
    rows = row_vectors_batch(model, images[..., None])  # (2, 28, row_units)
    assert rows.shape == (2, 28, 16)
    for k, one in enumerate(images):
        np.testing.assert_allclose(rows[k], probe(model, one).row_vectors, atol=1e-5)
    np.testing.assert_array_equal(row_vectors_batch(model, images), rows)


def test_image_states_match_a_keras_lstm_with_return_sequences(model, image):
    col = model.get_layer("column_encoder")
    reference = keras.layers.LSTM(col.units, return_sequences=True)
    reference.build((None, 28, 16))
    reference.set_weights(col.get_weights())
    result = probe(model, image)
    expected = reference(result.row_vectors[None]).numpy()[0]
    np.testing.assert_allclose(result.image_states, expected, atol=1e-5)


def test_step_probs_use_the_classifiers_own_weights(image):
    model = build_hrnn(8, 8)
    classifier = model.get_layer("classifier")
    kernel, bias = classifier.get_weights()
    bias[7] = 50.0  # the classifier now says 7 whatever the state
    classifier.set_weights([kernel, bias])
    result = probe(model, image)
    logits = result.image_states @ kernel + bias
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


@pytest.mark.parametrize("arch", ["hrnn", "cnn"])
def test_predict_batch_is_keras_predict_traced_once_for_every_batch_size(arch):
    model = ARCHITECTURES[arch].build(8, 8)
    images = np.random.default_rng(2).random((300, 28, 28, 1)).astype(np.float32)
    expected = model.predict(images, batch_size=256, verbose=0)
    for n in (300, 29, 1):  # 300: two batches of 256 and 44
        np.testing.assert_allclose(predict_batch(model, images[:n]), expected[:n], atol=1e-5)
    np.testing.assert_allclose(predict_one(model, images[5, :, :, 0]), expected[5], atol=1e-5)
    assert _compiled(model, "probs").experimental_get_tracing_count() == 1  # not once per batch size
    assert predict_batch(model, images[:0]).shape == (0, 10)


def test_image_vectors_are_traced_once_for_every_batch_size(model):
    images = np.random.default_rng(3).random((40, 28, 28, 1)).astype(np.float32)
    all_at_once = final_image_states(model, images)
    np.testing.assert_allclose(final_image_states(model, images, batch_size=16), all_at_once, atol=1e-6)
    assert _compiled(model, "image_vectors").experimental_get_tracing_count() == 1


@pytest.mark.parametrize("shape", [(2, 28, 28), (2, 28, 28, 3), (28, 28, 1)])
def test_predict_batch_refuses_images_of_another_shape(model, shape):
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        predict_batch(model, np.zeros(shape, np.float32))


@pytest.mark.parametrize("arch", ["hrnn", "flat-lstm"])
def test_the_compiled_functions_do_not_keep_a_model_in_memory(arch):
    model = ARCHITECTURES[arch].build(8, 8)
    image = np.zeros((28, 28), np.float32)
    predict_one(model, image)
    predict_batch(model, image[None, :, :, None])
    if arch == "hrnn":
        final_image_states(model, image[None, :, :, None])
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None  # a model a cache has dropped is freed, its compiled functions with it
