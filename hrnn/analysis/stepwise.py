"""The HRNN's forward pass one row at a time, in numpy, with a hook on the image reader's state.

`probe` (`hrnn.nn.probe`) runs the network in one compiled call; an intervention needs to reach in between two rows
(hold a unit of the image reader at a value from row 12 on, and let rows 13 to 28 read on from there), so this runs
the same equations step by step. It reads the model's own weights (`hrnn_weights`) and computes the function Keras's
LSTM and Dense layers compute (gates i, f, c, o; sigmoid gates, tanh cell; softmax classifier); the tests check it
against the model's prediction and against a case worked by hand.

The image reader's 28 steps cost about a millisecond on a CPU; the row reader's 28 x 28 steps for a whole image some
tens of milliseconds, so an intervention starts from the row summaries that `probe` computed already (an erased row
is a blank row, whose summary is computed once).
"""

from dataclasses import dataclass

import numpy as np

from hrnn.nn.builders import IMAGE_READER_LAYER, ROW_READER_LAYER
from hrnn.nn.model_files import ModelFileError


@dataclass(frozen=True)
class LstmWeights:
    """One LSTM's weights, as Keras lays them out (gates i, f, c, o side by side)."""

    kernel: np.ndarray  # (features, 4 * units)
    recurrent: np.ndarray  # (units, 4 * units)
    bias: np.ndarray  # (4 * units,)

    @property
    def units(self):
        return self.recurrent.shape[0]


@dataclass(frozen=True)
class HrnnWeights:
    """The weights of an HRNN's three parts, as numpy arrays (float64: the hooks' arithmetic adds no rounding)."""

    row: LstmWeights  # the row reader: 1 pixel in, row_units out
    column: LstmWeights  # the image reader: row_units in, image_units out
    classifier_kernel: np.ndarray  # (image_units, classes)
    classifier_bias: np.ndarray  # (classes,)


def _lstm_weights(layer):
    cell = getattr(getattr(layer, "layer", layer), "cell", None)  # TimeDistributed(LSTM) or LSTM
    if cell is None or not hasattr(cell, "recurrent_kernel"):
        raise ModelFileError(f"layer {layer.name!r} is not an LSTM")
    return LstmWeights(*(np.asarray(w, np.float64) for w in (cell.kernel, cell.recurrent_kernel, cell.bias)))


def hrnn_weights(model):
    """The `HrnnWeights` of an HRNN built by `hrnn.nn.builders.build_hrnn` (a copy: later training does not change it).

    Raises:
        ModelFileError: for a model without the HRNN's layers (row_encoder, column_encoder, classifier).
    """
    try:
        row, column = model.get_layer(ROW_READER_LAYER), model.get_layer(IMAGE_READER_LAYER)
        classifier = model.get_layer("classifier")
    except ValueError as exc:
        raise ModelFileError(f"not an hrnn model: {exc}") from exc
    kernel, bias = (np.asarray(w, np.float64) for w in (classifier.kernel, classifier.bias))
    return HrnnWeights(_lstm_weights(row), _lstm_weights(column), kernel, bias)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_states(weights, inputs, hook=None):
    """Every hidden state of an LSTM over `inputs` `(batch, steps, features)` -> `(batch, steps, units)`, from zero
    states. `hook(step, h)`, if given, gets each step's hidden state `(batch, units)` (step 0-based) and returns the
    state the LSTM hands on: to its next step and to the output."""
    inputs = np.asarray(inputs, np.float64)
    batch, steps, _ = inputs.shape
    h = np.zeros((batch, weights.units))
    c = np.zeros((batch, weights.units))
    x_gates = inputs @ weights.kernel + weights.bias  # (batch, steps, 4 * units): the input's share, all steps
    out = np.empty((batch, steps, weights.units))
    for t in range(steps):
        zi, zf, zg, zo = np.split(x_gates[:, t] + h @ weights.recurrent, 4, axis=1)
        c = _sigmoid(zf) * c + _sigmoid(zi) * np.tanh(zg)
        h = _sigmoid(zo) * np.tanh(c)
        if hook is not None:
            h = hook(t, h)
        out[:, t] = h
    return out


def read_rows(weights, pixel_rows):
    """The row reader's summary of each pixel row: `(n, 28)` in [0, 1] -> `(n, row_units)`, each row read alone, left
    to right, one pixel a step (an image's 28 rows, or one blank row)."""
    rows = np.asarray(pixel_rows, np.float64)
    return lstm_states(weights.row, rows.reshape(len(rows), 28, 1))[:, -1]


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def read_image(weights, row_vectors, hook=None):
    """The image reader over `row_vectors` `(28, row_units)`, top to bottom, and the classifier after each row:
    `(image_states (28, image_units), step_probs (28, classes))`. `hook(row, h)` as in `lstm_states` (row 0-based)."""
    states = lstm_states(weights.column, np.asarray(row_vectors)[None], hook)[0]
    return states, softmax(states @ weights.classifier_kernel + weights.classifier_bias)
