"""The three architectures (the HRNN and two baselines): how each is built, how a saved one is recognised and
checked, and which of the app's views apply to it (Keras only). A saved model carries its architecture in its name
(`hrnn`, `flat_lstm`, `cnn`)."""

from collections.abc import Callable
from dataclasses import dataclass

import keras

from hrnn.nn.builders import (
    COLS,
    IMAGE_READER_LAYER,
    LAYER_NAMES,
    ROW_READER_LAYER,
    build_cnn,
    build_flat_lstm,
    build_hrnn,
)


def hrnn_problem(model, num_classes=10):
    """What keeps `model` from being an HRNN the app and CLI can use, or None if it is one.

    An HRNN here is exactly the chain `build_hrnn` makes: one input, then `row_encoder` (TimeDistributed around a
    standard LSTM that returns its last state), `column_encoder` (such an LSTM), `classifier` (Dense with
    `num_classes` softmax outputs), each reading the previous one's output. `hrnn.nn.probe` recomputes these layers
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
    for name, lstm in ((ROW_READER_LAYER, row.layer), (IMAGE_READER_LAYER, col)):
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
    row_units, image_units = row.layer.units, col.units
    if tuple(row.layer.cell.kernel.shape) != (1, 4 * row_units) or tuple(col.cell.kernel.shape)[0] != row_units:
        return "row_encoder does not read one pixel per step into column_encoder"
    if tuple(classifier.kernel.shape) != (image_units, num_classes):
        return f"classifier reads {classifier.kernel.shape[0]} values, column_encoder gives {image_units}"
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
    layer_names: tuple  # the layers after the input, in order, as the builder names them
    sizes: tuple  # the TrainConfig sizes it uses ("row_units", "image_units")
    views: tuple  # the app views that apply (of VIEWS)
    problem: Callable  # model -> what keeps it from being this architecture, or None
    build_sized: Callable  # (row_units, image_units) -> an uncompiled keras.Model

    def build(self, row_units=128, image_units=128):
        """A fresh uncompiled model at these sizes (each architecture uses those in `sizes` and ignores the rest)."""
        return self.build_sized(row_units, image_units)


ARCHITECTURES = {
    "hrnn": Architecture(
        "hrnn",
        "hrnn",
        LAYER_NAMES,
        ("row_units", "image_units"),
        VIEWS,
        hrnn_problem,
        lambda row_units, image_units: build_hrnn(row_units, image_units),
    ),
    "flat-lstm": Architecture(
        "flat-lstm",
        "flat_lstm",
        ("rows", "image_reader", "classifier"),
        ("image_units",),
        ("prediction", "evaluation"),
        flat_lstm_problem,
        lambda row_units, image_units: build_flat_lstm(image_units),
    ),
    "cnn": Architecture(
        "cnn",
        "cnn",
        ("conv1", "pool1", "conv2", "pool2", "flatten", "dropout", "classifier"),
        (),
        ("prediction", "evaluation"),
        cnn_problem,
        lambda row_units, image_units: build_cnn(),
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
        raise ValueError(f"not {article(arch.name)} model: {problem}")
    return arch


def article(name):
    """'an hrnn', 'a cnn', 'a flat-lstm': the article as the name is said."""
    return f"{'an' if name == 'hrnn' else 'a'} {name}"
