"""The model is the original Keras example's: architecture, parameter count, compile settings, saving and loading."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from hrnn.data.splits import to_model_input
from hrnn.nn.architectures import ARCHITECTURES, model_architecture
from hrnn.nn.builders import build_cnn, build_flat_lstm, build_hrnn
from hrnn.nn.layers import FusedLSTM, RowFoldedTimeDistributed
from hrnn.nn.model_files import PRETRAINED_PATH, ModelFileError, load_model, load_pretrained
from hrnn.train.optimizers import CompileSettings, compile_for_training, make_optimizer


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
    model = compile_for_training(build_hrnn(8, 8))
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    assert model.loss == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_a_compiled_model_creates_no_variable_in_its_first_training_step(optimizer):
    # A variable created inside the first step makes TensorFlow trace the training graph twice (the slow part of
    # the first batch); compile_for_training creates them all beforehand.
    model = compile_for_training(build_hrnn(8, 8), CompileSettings(optimizer))
    created = []

    def record(next_creator, **kwargs):
        created.append(kwargs.get("name"))
        return next_creator(**kwargs)

    x = np.random.default_rng(0).random((32, 28, 28, 1)).astype(np.float32)
    with tf.variable_creator_scope(record):
        logs = model.fit(x, np.arange(32) % 10, batch_size=32, epochs=1, verbose=0).history
    assert created == []
    assert set(logs) == {"loss", "accuracy"}  # the names the training loop reads


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="optimizer must be one of rmsprop, adam, sgd, adamw, nadam, got 'adagrad'"):
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
    from hrnn.data.mnist import load_mnist

    data = load_mnist(mnist_npz)
    probs = load_pretrained().predict(to_model_input(data.x_test), batch_size=500, verbose=0)
    accuracy = float((probs.argmax(1) == data.y_test).mean())
    assert len(data.y_test) == 10_000
    assert accuracy >= 0.985


# --- a model that loads but is not an HRNN: one line naming the file and what is wrong ------------------------------


def save(model, path):
    model.save(path)
    return path


def dense_model(classes):
    """The issue's example: a model that takes MNIST images but is no HRNN."""
    return keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(classes, activation="softmax")]
    )


def hrnn_like(row=None, col=None, classifier=None):
    """The HRNN chain with one layer swapped for another (names kept), to test each structural check."""
    image = keras.Input((28, 28, 1))
    row = row or keras.layers.TimeDistributed(keras.layers.LSTM(8), name="row_encoder")
    col = col or keras.layers.LSTM(4, name="column_encoder")
    classifier = classifier or keras.layers.Dense(10, activation="softmax", name="classifier")
    return keras.Model(image, classifier(col(row(image))))


KNOWN = "not a known architecture (hrnn, flat-lstm, cnn)"


def test_a_5_class_model_is_no_known_architecture(tmp_path):
    path = save(dense_model(5), tmp_path / "d5.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(info.value) == f"{path}: {KNOWN}: it gives 5 classes, expected 10 (one probability per digit)"


def test_a_10_class_model_of_other_layers_is_no_known_architecture(tmp_path):
    path = save(dense_model(10), tmp_path / "d10.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert re.match(
        rf"{re.escape(f'{path}: {KNOWN}')}: it is named 'sequential\w*' and its layers are flatten", str(info.value)
    )
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "model, problem",
    [
        (
            lambda: hrnn_like(classifier=keras.layers.Dense(10, name="classifier")),
            "classifier is a Dense without softmax, expected Dense(10, softmax)",
        ),
        (
            lambda: hrnn_like(col=keras.layers.GRU(4, name="column_encoder")),
            "column_encoder holds a GRU, expected an LSTM",
        ),
        (
            lambda: hrnn_like(col=keras.layers.LSTM(4, go_backwards=True, name="column_encoder")),
            "column_encoder is not a standard LSTM",
        ),
        (
            lambda: hrnn_like(
                row=keras.layers.TimeDistributed(keras.layers.LSTM(8, activation="relu"), name="row_encoder")
            ),
            "row_encoder is not a standard LSTM",
        ),
    ],
)
def test_a_model_with_the_names_but_not_the_layers_is_not_an_hrnn(tmp_path, model, problem):
    path = save(model(), tmp_path / "lookalike.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(info.value).startswith(f"{path}: not an hrnn model: {problem}")


def test_every_hrnn_the_project_builds_passes_the_check(tmp_path):
    for fused in (True, False):
        load_model(save(build_hrnn(8, 4, fused=fused), tmp_path / f"fused-{fused}.keras"))
    load_model(save(hrnn_like(), tmp_path / "plain.keras"))  # the same chain written by hand


def test_a_lambda_naming_a_function_is_one_short_line(tmp_path):
    def double(x):
        return x * 2

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(double), keras.layers.Flatten()])
    path = save(model, tmp_path / "lambda.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300 + len(str(path))
    assert message == f"{path}: could not be loaded as a Keras model (TypeError: Could not locate function 'double')"


def test_an_unreadable_model_file_is_one_line(tmp_path, monkeypatch):
    path = save(build_hrnn(4, 4), tmp_path / "locked.keras")
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(info.value) == f"{path}: cannot be read (Permission denied)"


# --- the baselines: every architecture builds, trains, saves and loads; a file carries its architecture -----------


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_each_architecture_builds_trains_one_tiny_epoch_saves_and_loads(tmp_path, tiny_data, arch):
    model = compile_for_training(ARCHITECTURES[arch].build(8, 8))
    x, y = to_model_input(tiny_data.x_train), tiny_data.y_train
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    path = save(model, tmp_path / f"{arch}.keras")
    loaded = load_model(path, arch=arch)
    assert model_architecture(loaded) is ARCHITECTURES[arch]
    assert loaded.name == ARCHITECTURES[arch].model_name
    np.testing.assert_allclose(loaded.predict(x[:5], verbose=0), model.predict(x[:5], verbose=0), atol=1e-6)


def test_the_baselines_have_the_classic_shapes_and_parameter_counts():
    assert build_flat_lstm().count_params() == 4 * 128 * (28 + 128 + 1) + (128 + 1) * 10 == 81_674
    assert build_flat_lstm(fused=False).count_params() == 81_674
    assert build_cnn(filters=(32, 64)).count_params() == 34_826  # keras-io's mnist_convnet
    assert build_cnn().count_params() == 215_050  # widened to about the HRNN's 199,434
    assert build_cnn().get_layer("pool2").output.shape == (None, 5, 5, 192)


def test_the_fused_flat_lstm_computes_the_plain_keras_one():
    plain, fused = build_flat_lstm(16, fused=False), build_flat_lstm(16)
    fused.set_weights(plain.get_weights())
    assert isinstance(fused.get_layer("image_reader"), FusedLSTM)
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(fused(x).numpy(), plain(x).numpy(), atol=1e-5)


def test_a_file_of_another_architecture_than_its_record_says_is_one_line(tmp_path):
    path = save(build_cnn(filters=(4, 4)), tmp_path / "model.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(path, arch="hrnn")
    assert str(info.value) == f"{path}: holds a cnn model, but its run record says hrnn"


def test_a_model_named_for_an_architecture_but_built_otherwise_is_refused(tmp_path):
    image = keras.Input((28, 28, 1))
    probs = keras.layers.Dense(10, activation="softmax", name="classifier")(keras.layers.Flatten(name="f")(image))
    path = save(keras.Model(image, probs, name="cnn"), tmp_path / "fake.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(info.value).startswith(f"{path}: not a cnn model: its layers are f, classifier; expected conv1, pool1")


def test_only_the_hrnn_has_the_inside_views():
    assert ARCHITECTURES["hrnn"].views == ("prediction", "evaluation", "inside")
    assert all("inside" not in ARCHITECTURES[a].views for a in ("flat-lstm", "cnn"))
