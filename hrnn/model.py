"""The models: the hierarchical RNN and two baselines, compile settings, loading saved and shipped models.

The hierarchical RNN is the Keras example "mnist_hierarchical_rnn":

    image (28, 28, 1)
      -> row_encoder:    TimeDistributed(LSTM(row_units))  each pixel row, read left to right -> (28, row_units)
      -> column_encoder: LSTM(col_units)                   the 28 row vectors, top to bottom  -> (col_units,)
      -> classifier:     Dense(num_classes, softmax)                                          -> (num_classes,)

The baselines, to see whether the hierarchy earns its keep (`ARCHITECTURES` lists all three):

* flat-lstm (`build_flat_lstm`): one LSTM reading the 28 pixel rows as 28 steps of 28 pixels, the classic Keras
  MNIST LSTM;
* cnn (`build_cnn`): the keras-io "mnist_convnet" shape (two 3 x 3 convolutions with max pooling, dropout, a
  softmax layer), widened to about the HRNN's parameter count.

A saved model carries its architecture in its name (`hrnn`, `flat_lstm`, `cnn`); `load_model` checks it.
"""

import logging
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras

from hrnn.config import OPTIMIZERS
from hrnn.layers import FusedLSTM, RowFoldedTimeDistributed

log = logging.getLogger(__name__)

ROWS, COLS = 28, 28
INPUT_SHAPE = (ROWS, COLS, 1)
LAYER_NAMES = ("row_encoder", "column_encoder", "classifier")
PRETRAINED_PATH = Path(__file__).parent / "assets" / "hrnn_mnist.keras"


class ModelFileError(Exception):
    """A model file is missing, is not a Keras model, or is not a model of a known architecture for 28 x 28 images."""


def build_hrnn(row_units=128, col_units=128, num_classes=10, fused=True):
    """Build the (uncompiled) hierarchical RNN.

    Args:
        row_units: hidden size of the row encoder (the first LSTM).
        col_units: hidden size of the column encoder (the second LSTM).
        num_classes: number of output classes.
        fused: use `hrnn.layers` (the same functions and weights as Keras's TimeDistributed and LSTM,
            faster on a CPU); `False` builds the seed's plain Keras layers.

    Returns:
        A `keras.Model` taking `(batch, 28, 28, 1)` floats in [0, 1] and returning `(batch, num_classes)`
        probabilities; 199,434 parameters at the defaults.

    Raises:
        ValueError: if a size is not a positive integer.
    """
    _check_sizes(row_units=row_units, col_units=col_units, num_classes=num_classes)
    lstm = FusedLSTM if fused else keras.layers.LSTM
    time_distributed = RowFoldedTimeDistributed if fused else keras.layers.TimeDistributed
    image = keras.Input(shape=INPUT_SHAPE, name="image")  # (batch, 28, 28, 1)
    rows = time_distributed(lstm(row_units), name="row_encoder")(image)  # (batch, 28, row_units)
    encoded = lstm(col_units, name="column_encoder")(rows)  # (batch, col_units)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(encoded)
    return keras.Model(image, probs, name="hrnn")


def build_flat_lstm(units=128, num_classes=10, fused=True):
    """Build the (uncompiled) flat LSTM baseline: one LSTM reads the image's 28 rows as 28 steps of 28 pixels.

    Args:
        units: hidden size of the LSTM (128 in the classic Keras MNIST LSTM).
        num_classes: number of output classes.
        fused: use `hrnn.layers.FusedLSTM` (the same function and weights as `keras.layers.LSTM`, faster on a CPU).

    Returns:
        A `keras.Model` named "flat_lstm", `(batch, 28, 28, 1)` -> `(batch, num_classes)`; 81,674 parameters at
        the defaults.

    Raises:
        ValueError: if a size is not a positive integer.
    """
    _check_sizes(units=units, num_classes=num_classes)
    lstm = FusedLSTM if fused else keras.layers.LSTM
    image = keras.Input(shape=INPUT_SHAPE, name="image")  # (batch, 28, 28, 1)
    rows = keras.layers.Reshape((ROWS, COLS), name="rows")(image)  # (batch, 28 steps, 28 pixels)
    encoded = lstm(units, name="image_reader")(rows)  # (batch, units)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(encoded)
    return keras.Model(image, probs, name="flat_lstm")


CNN_FILTERS = (96, 192)  # keras-io's mnist_convnet has (32, 64): 34,826 parameters; these give about the HRNN's


def build_cnn(filters=CNN_FILTERS, num_classes=10, dropout=0.5):
    """Build the (uncompiled) convolutional baseline: the keras-io "mnist_convnet" shape.

    Args:
        filters: `(first, second)` convolution widths; the default `CNN_FILTERS` makes 215,050 parameters, close
            to the HRNN's 199,434 (keras-io's own (32, 64) makes 34,826).
        num_classes: number of output classes.
        dropout: dropout rate before the classifier, while training (keras-io: 0.5).

    Returns:
        A `keras.Model` named "cnn", `(batch, 28, 28, 1)` -> `(batch, num_classes)`.

    Raises:
        ValueError: if a size is not a positive integer.
    """
    first, second = filters
    _check_sizes(first_filters=first, second_filters=second, num_classes=num_classes)
    layers = keras.layers
    image = keras.Input(shape=INPUT_SHAPE, name="image")  # (batch, 28, 28, 1)
    x = layers.Conv2D(first, 3, activation="relu", name="conv1")(image)  # (batch, 26, 26, first)
    x = layers.MaxPooling2D(2, name="pool1")(x)  # (batch, 13, 13, first)
    x = layers.Conv2D(second, 3, activation="relu", name="conv2")(x)  # (batch, 11, 11, second)
    x = layers.MaxPooling2D(2, name="pool2")(x)  # (batch, 5, 5, second)
    x = layers.Flatten(name="flatten")(x)  # (batch, 25 * second)
    x = layers.Dropout(dropout, name="dropout")(x)
    probs = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(image, probs, name="cnn")


def _check_sizes(**sizes):
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def initialise(model, row_input_scale=1.0, forget_bias=1.0):
    """Change a freshly built HRNN's initial weights in place and return it.

    `row_input_scale` multiplies the row reader's input weights (`row_encoder`'s LSTM kernel, shape
    `(1, 4 * row_units)`): Keras's Glorot initialiser gives a weight fed by one pixel and feeding 4 * units gates
    a range of about +-0.1, too small for a pixel to move the gates, so training first idles at chance.
    `forget_bias` sets the forget-gate bias of the image reader (`column_encoder`; Keras starts it at 1): a higher
    bias keeps what the upper rows said through the blank rows at the bottom of a digit.
    The defaults (1, 1) leave Keras's initialisation as it is.
    """
    row = model.get_layer("row_encoder").layer.cell
    if row_input_scale != 1.0:
        row.kernel.assign(row.kernel * row_input_scale)
    col = model.get_layer("column_encoder").cell
    if forget_bias != 1.0:
        units = col.units
        bias = col.bias.numpy()
        bias[units : 2 * units] = forget_bias  # gate order i, f, c, o
        col.bias.assign(bias)
    return model


@dataclass(frozen=True)
class CompileSettings:
    """How a model is compiled; the defaults are the seed's."""

    optimizer: str = "rmsprop"  # one of OPTIMIZERS
    learning_rate: float = 1e-3  # Keras's default for RMSprop, as the seed used
    clipnorm: float | None = None  # clip each weight's gradient to this norm (None: no clipping, as the seed)
    loss: str = "sparse_categorical_crossentropy"  # the seed's categorical cross-entropy, on integer labels


def make_optimizer(name="rmsprop", learning_rate=1e-3, clipnorm=None):
    """Return a fresh Keras optimizer by name (one of `OPTIMIZERS`), clipping each gradient to `clipnorm` if set.

    Raises:
        ValueError: for an unknown name or a learning rate that is not a positive number.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    if not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise ValueError(f"learning rate must be a positive number, got {learning_rate!r}")
    classes = {
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "adamw": keras.optimizers.AdamW,
        "nadam": keras.optimizers.Nadam,
    }
    clip = {} if clipnorm is None else {"clipnorm": float(clipnorm)}
    return classes[name](learning_rate=float(learning_rate), **clip)


def compile_hrnn(model, settings=CompileSettings()):
    """Compile `model` in place with `settings` (the seed's by default) and return it.

    Categorical cross-entropy on integer labels is `sparse_categorical_crossentropy`: the same loss as the
    seed's one-hot `categorical_crossentropy`, without materialising the one-hot matrix.
    """
    model.compile(
        optimizer=make_optimizer(settings.optimizer, settings.learning_rate, settings.clipnorm),
        loss=settings.loss,
        metrics=["accuracy"],
    )
    return model


def load_model(path, arch=None):
    """Load a saved model (`.keras`) for inference, with Keras's safe mode on, and check it once, fully.

    Args:
        path: the `.keras` file.
        arch: the architecture the file should hold (its run record's `arch`), or None to accept any known one.

    Returns:
        The `keras.Model`, checked to take `(28, 28, 1)` images, to give 10 softmax probabilities, and to be one of
        `ARCHITECTURES` as its builder makes it (`model_architecture(model)` says which).

    Raises:
        ModelFileError: one line naming the file: missing or unreadable, not a Keras model, the wrong input
            shape, `"<file>: not an hrnn model: <what is wrong>"` (or flat-lstm, cnn) for a model that names an
            architecture but is not built as it, `"<file>: not a known architecture ..."`, or a model of another
            architecture than `arch`.
    """
    path = Path(path)
    try:
        if not path.is_file():
            raise ModelFileError(f"{path}: no such model file")
        with open(path, "rb"):  # zipfile.is_zipfile answers False for a file it cannot open: say why instead
            pass
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from exc
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a Keras model file (expected a .keras archive saved by Keras 3)")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for damaged archives; all mean the same to a user
        raise ModelFileError(
            f"{path}: could not be loaded as a Keras model ({type(exc).__name__}: {_innermost_reason(exc)})"
        ) from exc
    shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if shape not in (INPUT_SHAPE, (ROWS, COLS)):
        raise ModelFileError(f"{path}: the model takes inputs of shape {model.input_shape}, not (None, 28, 28, 1)")
    try:
        found = model_architecture(model)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc
    if arch is not None and found.name != arch:
        raise ModelFileError(f"{path}: holds {_a(found.name)} model, but its run record says {arch}")
    return model


def _innermost_reason(exc, limit=200):
    """The useful line of a Keras loading error. Keras nests the whole layer config into its messages (several
    lines for one Lambda); the innermost "Exception encountered:" part says what actually went wrong."""
    text = str(exc).split("Exception encountered:")[-1].strip()
    line = (text.splitlines() or [""])[0]
    sentence = line.split(". ")[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def hrnn_problem(model, num_classes=10):
    """What keeps `model` from being an HRNN the app and CLI can use, or None if it is one.

    An HRNN here is exactly the chain `build_hrnn` makes: one input, then `row_encoder` (TimeDistributed around a
    standard LSTM that returns its last state), `column_encoder` (such an LSTM), `classifier` (Dense with
    `num_classes` softmax outputs), each reading the previous one's output. `hrnn.probe` recomputes these layers
    from their weights, so anything else would make the heatmaps disagree with the prediction.
    """
    problem = _classes_problem(model, num_classes)
    if problem:
        return problem
    names = [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if names != list(LAYER_NAMES):
        return f"its layers are {', '.join(names)}; expected {', '.join(LAYER_NAMES)}, in that order"
    row, col, classifier = (model.get_layer(name) for name in LAYER_NAMES)
    if not isinstance(row, keras.layers.TimeDistributed):
        return f"row_encoder is a {type(row).__name__}, expected TimeDistributed(LSTM)"
    for name, lstm in (("row_encoder", row.layer), ("column_encoder", col)):
        if not isinstance(lstm, keras.layers.LSTM):
            return f"{name} holds a {type(lstm).__name__}, expected an LSTM"
        if (
            lstm.return_sequences
            or lstm.go_backwards
            or not lstm.use_bias
            or lstm.activation is not keras.activations.tanh
            or lstm.recurrent_activation is not keras.activations.sigmoid
        ):
            return f"{name} is not a standard LSTM (tanh and sigmoid, with bias, forward, returning its last state)"
    if not isinstance(classifier, keras.layers.Dense) or classifier.activation is not keras.activations.softmax:
        return f"classifier is a {type(classifier).__name__} without softmax, expected Dense({num_classes}, softmax)"
    row_units, col_units = row.layer.units, col.units
    if tuple(row.layer.cell.kernel.shape) != (1, 4 * row_units) or tuple(col.cell.kernel.shape)[0] != row_units:
        return "row_encoder does not read one pixel per step into column_encoder"
    if tuple(classifier.kernel.shape) != (col_units, num_classes):
        return f"classifier reads {classifier.kernel.shape[0]} values, column_encoder gives {col_units}"
    return None


def _classes_problem(model, num_classes=10):
    """What keeps `model` from mapping one image to `num_classes` probabilities, or None."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return f"it has {len(model.inputs)} inputs and {len(model.outputs)} outputs, expected 1 and 1"
    output_shape = tuple(model.outputs[0].shape)
    if len(output_shape) != 2 or output_shape[1] != num_classes:
        classes = f"{output_shape[1]} classes" if len(output_shape) == 2 else f"outputs of shape {output_shape}"
        return f"it gives {classes}, expected {num_classes} (one probability per digit)"
    return None


def _layer_names(model):
    return [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _chain_problem(model, expected):
    """What keeps `model` from being the chain of layers `expected` (`(name, type), ...` in order), or None."""
    problem = _classes_problem(model)
    if problem:
        return problem
    names = _layer_names(model)
    if names != [name for name, _ in expected]:
        return f"its layers are {', '.join(names)}; expected {', '.join(name for name, _ in expected)}, in that order"
    for name, kind in expected:
        if not isinstance(model.get_layer(name), kind):
            return f"{name} is a {type(model.get_layer(name)).__name__}, expected {kind.__name__}"
    classifier = model.get_layer("classifier")
    if classifier.activation is not keras.activations.softmax:
        return "classifier has no softmax, expected Dense(10, softmax)"
    return None


def flat_lstm_problem(model):
    """What keeps `model` from being the flat LSTM `build_flat_lstm` makes, or None if it is one."""
    layers = keras.layers
    problem = _chain_problem(
        model, (("rows", layers.Reshape), ("image_reader", layers.LSTM), ("classifier", layers.Dense))
    )
    if problem:
        return problem
    reader = model.get_layer("image_reader")
    if reader.return_sequences or reader.go_backwards or tuple(reader.cell.kernel.shape)[0] != COLS:
        return "image_reader is not an LSTM reading one 28-pixel row per step and returning its last state"
    return None


def cnn_problem(model):
    """What keeps `model` from being the convolutional net `build_cnn` makes, or None if it is one."""
    layers = keras.layers
    return _chain_problem(
        model,
        (
            ("conv1", layers.Conv2D),
            ("pool1", layers.MaxPooling2D),
            ("conv2", layers.Conv2D),
            ("pool2", layers.MaxPooling2D),
            ("flatten", layers.Flatten),
            ("dropout", layers.Dropout),
            ("classifier", layers.Dense),
        ),
    )


VIEWS = ("prediction", "evaluation", "inside")  # Draw; Evaluate and Compare; Inside the network's encoders


@dataclass(frozen=True)
class Architecture:
    """One kind of model: how to build it from a run's sizes, how to recognise a saved one, what the app can show."""

    name: str  # as TrainConfig.arch and the CLI's --arch say it
    model_name: str  # the Keras model's name, which every saved file carries
    label: str  # for people
    layer_names: tuple  # the layers after the input, in order, as the builder names them
    sizes: tuple  # the TrainConfig sizes it uses ("row_units", "col_units")
    views: tuple  # the app views that apply (of VIEWS)
    problem: Callable  # model -> what keeps it from being this architecture, or None
    build_sized: Callable  # (row_units, col_units) -> an uncompiled keras.Model

    def build(self, row_units=128, col_units=128):
        """A fresh uncompiled model at these sizes (each architecture uses those in `sizes` and ignores the rest)."""
        return self.build_sized(row_units, col_units)


ARCHITECTURES = {
    "hrnn": Architecture(
        "hrnn",
        "hrnn",
        "hierarchical RNN (a row reader, then an image reader)",
        LAYER_NAMES,
        ("row_units", "col_units"),
        VIEWS,
        hrnn_problem,
        lambda row_units, col_units: build_hrnn(row_units, col_units),
    ),
    "flat-lstm": Architecture(
        "flat-lstm",
        "flat_lstm",
        "flat LSTM (28 rows as 28 steps)",
        ("rows", "image_reader", "classifier"),
        ("col_units",),
        ("prediction", "evaluation"),
        flat_lstm_problem,
        lambda row_units, col_units: build_flat_lstm(col_units),
    ),
    "cnn": Architecture(
        "cnn",
        "cnn",
        "convolutional net (keras-io mnist_convnet shape)",
        ("conv1", "pool1", "conv2", "pool2", "flatten", "dropout", "classifier"),
        (),
        ("prediction", "evaluation"),
        cnn_problem,
        lambda row_units, col_units: build_cnn(),
    ),
}


def model_architecture(model):
    """The `Architecture` of a loaded or built `model`: named by the model's name, else recognised by its layer
    names (a model written by hand with the same layers), and checked to be built as that architecture says.

    Raises:
        ValueError: one line, `"not an hrnn model: <what is wrong>"` (or flat-lstm, cnn) for a model that names
            an architecture but is not built as it, or `"not a known architecture ..."`.
    """
    by_name = {a.model_name: a for a in ARCHITECTURES.values()}
    names = _layer_names(model)
    arch = by_name.get(model.name) or next((a for a in ARCHITECTURES.values() if list(a.layer_names) == names), None)
    if arch is None:
        known = ", ".join(ARCHITECTURES)
        problem = _classes_problem(model) or f"it is named {model.name!r} and its layers are {', '.join(names)}"
        raise ValueError(f"not a known architecture ({known}): {problem}")
    problem = arch.problem(model)
    if problem:
        raise ValueError(f"not {_a(arch.name)} model: {problem}")
    return arch


def _a(name):
    """'an hrnn', 'a cnn', 'a flat-lstm': the article as the name is said."""
    return f"{'an' if name == 'hrnn' else 'a'} {name}"


def load_pretrained():
    """Load the pretrained HRNN shipped with the package (`hrnn/assets/hrnn_mnist.keras`).

    Raises:
        ModelFileError: if the shipped file is missing or damaged (reinstall the package).
    """
    if os.environ.get("HRNN_PRETRAINED"):
        return load_model(os.environ["HRNN_PRETRAINED"])
    return load_model(PRETRAINED_PATH)
