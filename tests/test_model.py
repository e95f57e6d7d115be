"""The model is the seed's: architecture, parameter count, compile settings, saving and loading."""

import keras
import numpy as np
import pytest

from hrnn.layers import FusedLSTM, RowFoldedTimeDistributed
from hrnn.model import (
    PRETRAINED_PATH,
    ModelFileError,
    build_hrnn,
    compile_hrnn,
    load_model,
    load_pretrained,
    make_optimizer,
)
from hrnn.splits import to_model_input


def test_architecture_is_the_seeds():
    model = build_hrnn()
    assert model.input_shape == (None, 28, 28, 1)
    row, col, classifier = (model.get_layer(n) for n in ("row_encoder", "column_encoder", "classifier"))
    assert isinstance(row, keras.layers.TimeDistributed) and isinstance(row.layer, keras.layers.LSTM)
    assert row.layer.units == 128 and row.output.shape == (None, 28, 128)
    assert isinstance(col, keras.layers.LSTM) and col.units == 128 and col.output.shape == (None, 128)
    assert not col.return_sequences
    assert isinstance(classifier, keras.layers.Dense) and classifier.units == 10
    assert classifier.activation is keras.activations.softmax
    assert model.output_shape == (None, 10)


def test_parameter_count_is_199434():
    assert build_hrnn().count_params() == 199_434
    assert build_hrnn(fused=False).count_params() == 199_434


def test_parameter_count_follows_the_sizes():
    # LSTM: 4 * units * (inputs + units + 1); Dense: (units + 1) * classes
    row, col, classes = 16, 8, 10
    expected = 4 * row * (1 + row + 1) + 4 * col * (row + col + 1) + (col + 1) * classes
    assert build_hrnn(row, col, classes).count_params() == expected


def test_fused_model_computes_the_plain_keras_model():
    plain = build_hrnn(fused=False)
    fused = build_hrnn()
    fused.set_weights(plain.get_weights())
    assert isinstance(fused.get_layer("row_encoder"), RowFoldedTimeDistributed)
    assert isinstance(fused.get_layer("column_encoder"), FusedLSTM)
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(fused(x).numpy(), plain(x).numpy(), atol=1e-5)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "8", True])
def test_build_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="positive integer"):
        build_hrnn(row_units=bad)


def test_compile_defaults_are_the_seeds():
    model = compile_hrnn(build_hrnn(8, 8))
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    assert model.loss == "sparse_categorical_crossentropy"


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        make_optimizer("adagrad")


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    model = build_hrnn(16, 8)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = load_model(path)
    x = np.random.default_rng(1).random((4, 28, 28, 1)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_model_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.keras")


def test_load_model_not_a_keras_file(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("hello")
    with pytest.raises(ModelFileError, match="not a Keras model file"):
        load_model(path)


def test_load_model_wrong_input_shape(tmp_path):
    inputs = keras.Input((32, 32, 1))
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    path = tmp_path / "other.keras"
    model.save(path)
    with pytest.raises(ModelFileError, match=r"other.keras: the model takes inputs of shape \(None, 32, 32, 1\)"):
        load_model(path)


def test_load_model_damaged_archive(tmp_path):
    model = build_hrnn(4, 4)
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="m.keras"):
        load_model(path)


@pytest.mark.skipif(not PRETRAINED_PATH.is_file(), reason="no shipped model in hrnn/assets")
def test_pretrained_model_loads_in_one_call():
    model = load_pretrained()
    assert model.count_params() == 199_434
    assert model.input_shape == (None, 28, 28, 1)


@pytest.mark.skipif(not PRETRAINED_PATH.is_file(), reason="no shipped model in hrnn/assets")
def test_pretrained_model_scores_at_least_0985_on_the_full_test_set(mnist_npz):
    from hrnn.data import load_mnist

    data = load_mnist(mnist_npz)
    probs = load_pretrained().predict(to_model_input(data.x_test), batch_size=500, verbose=0)
    accuracy = float((probs.argmax(1) == data.y_test).mean())
    assert len(data.y_test) == 10_000
    assert accuracy >= 0.985
