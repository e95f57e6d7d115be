"""The hierarchical RNN: construction, compile settings, loading saved and shipped models.

The architecture is the Keras example "mnist_hierarchical_rnn":

    image (28, 28, 1)
      -> row_encoder:    TimeDistributed(LSTM(row_units))  each pixel row, read left to right -> (28, row_units)
      -> column_encoder: LSTM(col_units)                   the 28 row vectors, top to bottom  -> (col_units,)
      -> classifier:     Dense(num_classes, softmax)                                          -> (num_classes,)
"""

import logging
import os
import zipfile
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
    """A model file is missing, is not a Keras model, or is not an HRNN for 28 x 28 images."""


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
    for name, value in (("row_units", row_units), ("col_units", col_units), ("num_classes", num_classes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    lstm = FusedLSTM if fused else keras.layers.LSTM
    time_distributed = RowFoldedTimeDistributed if fused else keras.layers.TimeDistributed
    image = keras.Input(shape=INPUT_SHAPE, name="image")  # (batch, 28, 28, 1)
    rows = time_distributed(lstm(row_units), name="row_encoder")(image)  # (batch, 28, row_units)
    encoded = lstm(col_units, name="column_encoder")(rows)  # (batch, col_units)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(encoded)
    return keras.Model(image, probs, name="hrnn")


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


def load_model(path):
    """Load a saved HRNN (`.keras`) for inference, with Keras's safe mode on, and check it once, fully.

    Returns:
        The `keras.Model`, checked to take `(28, 28, 1)` images, to give 10 softmax probabilities, and to be an
        HRNN that every page can use (see `hrnn_problem`).

    Raises:
        ModelFileError: one line naming the file: missing or unreadable, not a Keras model, the wrong input
            shape, or `"<file>: not an hrnn model: <what is wrong>"`.
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
    problem = hrnn_problem(model)
    if problem:
        raise ModelFileError(f"{path}: not an hrnn model: {problem}")
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
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return f"it has {len(model.inputs)} inputs and {len(model.outputs)} outputs, expected 1 and 1"
    output_shape = tuple(model.outputs[0].shape)
    if len(output_shape) != 2 or output_shape[1] != num_classes:
        classes = f"{output_shape[1]} classes" if len(output_shape) == 2 else f"outputs of shape {output_shape}"
        return f"it gives {classes}, expected {num_classes} (one probability per digit)"
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


def load_pretrained():
    """Load the pretrained HRNN shipped with the package (`hrnn/assets/hrnn_mnist.keras`).

    Raises:
        ModelFileError: if the shipped file is missing or damaged (reinstall the package).
    """
    if os.environ.get("HRNN_PRETRAINED"):
        return load_model(os.environ["HRNN_PRETRAINED"])
    return load_model(PRETRAINED_PATH)
