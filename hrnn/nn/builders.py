"""The networks' builders: the hierarchical RNN and two baselines, and their initialisation (Keras only).

The hierarchical RNN is the Keras example "mnist_hierarchical_rnn":

    image (28, 28, 1)
      -> the row reader:   TimeDistributed(LSTM(row_units))  each pixel row, left to right -> (28, row_units)
      -> the image reader: LSTM(image_units)                   the 28 row vectors, top to bottom -> (image_units,)
      -> the classifier:   Dense(num_classes, softmax)                                     -> (num_classes,)

Inside a saved model (`.keras`) the two readers' layers are named `row_encoder` and `column_encoder`, the Keras
example's names: the shipped model and every run's model hold them, so they stay (`ROW_READER_LAYER`,
`IMAGE_READER_LAYER`); the code says row reader and image reader.

The baselines, to see whether the hierarchy earns its keep (`hrnn.nn.architectures.ARCHITECTURES` lists all three):

* flat-lstm (`build_flat_lstm`): one LSTM reading the 28 pixel rows as 28 steps of 28 pixels, the classic Keras
  MNIST LSTM;
* cnn (`build_cnn`): the keras-io "mnist_convnet" shape (two 3 x 3 convolutions with max pooling, dropout, a
  softmax layer), widened to about the HRNN's parameter count.
"""

import keras

from hrnn.nn.layers import FusedLSTM, RowFoldedTimeDistributed

ROWS, COLS = 28, 28
INPUT_SHAPE = (ROWS, COLS, 1)
ROW_READER_LAYER = "row_encoder"  # the row reader's layer name inside .keras files: kept so that saved models load
IMAGE_READER_LAYER = "column_encoder"  # ... the image reader's
CLASSIFIER_LAYER = "classifier"
LAYER_NAMES = (ROW_READER_LAYER, IMAGE_READER_LAYER, CLASSIFIER_LAYER)


def build_hrnn(row_units=128, image_units=128, num_classes=10, fused=True):
    """Build the (uncompiled) hierarchical RNN.

    Args:
        row_units: hidden size of the row reader (the first LSTM).
        image_units: hidden size of the image reader (the second LSTM).
        num_classes: number of output classes.
        fused: use `hrnn.nn.layers` (the same functions and weights as Keras's TimeDistributed and LSTM,
            faster on a CPU); `False` builds the original example's plain Keras layers.

    Returns:
        A `keras.Model` taking `(batch, 28, 28, 1)` floats in [0, 1] and returning `(batch, num_classes)`
        probabilities; 199,434 parameters at the defaults.

    Raises:
        ValueError: if a size is not a positive integer.
    """
    _check_sizes(row_units=row_units, image_units=image_units, num_classes=num_classes)
    lstm = FusedLSTM if fused else keras.layers.LSTM
    time_distributed = RowFoldedTimeDistributed if fused else keras.layers.TimeDistributed
    image = keras.Input(shape=INPUT_SHAPE, name="image")  # (batch, 28, 28, 1)
    rows = time_distributed(lstm(row_units), name=ROW_READER_LAYER)(image)  # (batch, 28, row_units)
    encoded = lstm(image_units, name=IMAGE_READER_LAYER)(rows)  # (batch, image_units)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(encoded)
    return keras.Model(image, probs, name="hrnn")


def build_flat_lstm(units=128, num_classes=10, fused=True):
    """Build the (uncompiled) flat LSTM baseline: one LSTM reads the image's 28 rows as 28 steps of 28 pixels.

    Args:
        units: hidden size of the LSTM (128 in the classic Keras MNIST LSTM).
        num_classes: number of output classes.
        fused: use `hrnn.nn.layers.FusedLSTM` (the same function and weights as `keras.layers.LSTM`, faster on a CPU).

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
    row_reader = model.get_layer(ROW_READER_LAYER).layer.cell
    if row_input_scale != 1.0:
        row_reader.kernel.assign(row_reader.kernel * row_input_scale)
    image_reader = model.get_layer(IMAGE_READER_LAYER).cell
    if forget_bias != 1.0:
        units = image_reader.units
        bias = image_reader.bias.numpy()
        bias[units : 2 * units] = forget_bias  # gate order i, f, c, o
        image_reader.bias.assign(bias)
    return model
