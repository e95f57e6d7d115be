"""Looking inside a trained HRNN: what each layer computed for one image.

`probe(model, image28)` runs one compiled forward pass that returns, besides the prediction, the row
reader's vectors, the image reader's hidden state after every row, and the classifier applied to each of those states
(what the network believes after reading rows 1..t). It reads the model's own variables, so it always agrees
with the model: `step_probs[-1]` is the model's prediction.
"""

import threading
import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from hrnn.nn.architectures import model_architecture
from hrnn.nn.builders import IMAGE_READER_LAYER, ROW_READER_LAYER
from hrnn.nn.model_files import ModelFileError
from hrnn.nn.recurrence import lstm_sequence


@dataclass(frozen=True)
class ProbeResult:
    """What the layers saw for one image."""

    probs: np.ndarray  # (classes,) the model's output
    row_vectors: np.ndarray  # (28, row_units) the row reader's vector for each pixel row
    image_states: np.ndarray  # (28, image_units) the image reader's hidden state after reading rows 1..t
    step_probs: np.ndarray  # (28, classes) the classifier applied to each column state

    @property
    def prediction(self):
        return int(np.argmax(self.probs))


def _inner_lstm(layer):
    """The LSTM inside `layer` (unwrapping TimeDistributed)."""
    inner = getattr(layer, "layer", layer)
    if not isinstance(inner, keras.layers.LSTM):
        raise ModelFileError(f"layer {layer.name!r} is a {type(inner).__name__}, expected an LSTM")
    return inner


class Prober:
    """A compiled probe for one model (tracing happens once, on the first call)."""

    def __init__(self, model):
        try:
            row = _inner_lstm(model.get_layer(ROW_READER_LAYER))
            col = _inner_lstm(model.get_layer(IMAGE_READER_LAYER))
            classifier = model.get_layer("classifier")
        except ValueError as exc:
            raise ModelFileError(f"not an hrnn model: {exc}") from exc
        self._row, self._col, self._classifier = row, col, classifier
        self._fn = tf.function(self._forward, input_signature=[tf.TensorSpec((28, 28), tf.float32)])
        self._batch_fn = tf.function(self._step_probs, input_signature=[tf.TensorSpec((None, 28, 28), tf.float32)])
        self._lock = threading.Lock()

    @staticmethod
    def _run_lstm(layer, sequences):
        """All hidden states of `layer` over `sequences` (batch, steps, features) -> (batch, steps, units)."""
        cell = layer.cell
        zeros = tf.zeros((tf.shape(sequences)[0], cell.units))
        h_seq, _ = lstm_sequence(
            sequences,
            zeros,
            zeros,
            tf.convert_to_tensor(cell.kernel),
            tf.convert_to_tensor(cell.recurrent_kernel),
            tf.convert_to_tensor(cell.bias),
        )
        return h_seq

    def _layers(self, images):
        """What each layer computes for a batch `(N, 28, 28)`: the row summaries `(N, 28, row_units)`, the image
        reader's state after each row `(N, 28, image_units)` and the classifier on each state `(N, 28, classes)`."""
        n = tf.shape(images)[0]
        # The row reader reads each of the 28 rows of each image as its own sequence of 28 one-pixel steps.
        rows = self._run_lstm(self._row, tf.reshape(images, (-1, 28, 1)))[:, -1]
        rows = tf.reshape(rows, (n, 28, self._row.cell.units))
        image_states = self._run_lstm(self._col, rows)
        return rows, image_states, self._classifier(image_states)  # the classifier's own weights

    def _forward(self, image):
        rows, image_states, step_probs = self._layers(image[None])
        return rows[0], image_states[0], step_probs[0]

    def _step_probs(self, images):
        return self._layers(images)[2]

    def step_probs(self, images, batch_size=256):
        """The probabilities after rows 1..28 of each image: `(N, 28, 28)` -> `(N, 28, classes)`."""
        images = np.asarray(images, np.float32)
        with self._lock:
            parts = [
                self._batch_fn(tf.constant(images[k : k + batch_size])).numpy()
                for k in range(0, len(images), batch_size)
            ]
        return np.concatenate(parts) if parts else np.zeros((0, 28, self._classifier.units), np.float32)

    def __call__(self, image28):
        image = _as_image(image28)
        with self._lock:  # one trace, shared by every session using this model
            rows, image_states, step_probs = self._fn(tf.constant(image))
        step_probs = step_probs.numpy()
        return ProbeResult(step_probs[-1].copy(), rows.numpy(), image_states.numpy(), step_probs)


def _as_image(image28):
    image = np.asarray(image28, dtype=np.float32)
    if image.shape == (28, 28, 1):
        image = image[..., 0]
    if image.shape != (28, 28):
        raise ValueError(f"probe needs a 28 x 28 image, got shape {image.shape}")
    if not np.isfinite(image).all():
        raise ValueError("probe needs finite pixel values")
    return image


_PROBERS = weakref.WeakKeyDictionary()
_PROBERS_LOCK = threading.Lock()


def _prober(model):
    """The one `Prober` of `model` (made on first use)."""
    with _PROBERS_LOCK:
        prober = _PROBERS.get(model)
        if prober is None:
            prober = _PROBERS[model] = Prober(model)
    return prober


def probe(model, image28):
    """Run `model` on one image and return what its layers saw.

    Args:
        model: an HRNN from `hrnn.nn.model` (layers named row_encoder, column_encoder, classifier).
        image28: `(28, 28)` or `(28, 28, 1)` floats in [0, 1] (as `canvas_to_mnist` returns).

    Returns:
        `ProbeResult` with `probs (10,)`, `row_vectors (28, row_units)`, `image_states (28, image_units)`,
        `step_probs (28, 10)`.

    Raises:
        ValueError: for an image of the wrong shape; ModelFileError: for a model that is not an HRNN.
    """
    return _prober(model)(image28)


def step_probs_batch(model, images28):
    """What an HRNN believes after each row, for a batch: `(N, 28, 28)` floats in [0, 1] -> `(N, 28, classes)`
    (`ProbeResult.step_probs` of each image, computed together).

    Raises:
        ModelFileError: for a model that is not an HRNN.
    """
    return _prober(model).step_probs(images28)


_BATCH = tf.TensorSpec((None, 28, 28, 1), tf.float32)
_COMPILED = weakref.WeakKeyDictionary()  # model -> {what: tf.function}; a value never refers to its model


def _compiled(model, what):
    """`model`'s class probabilities (`what="probs"`), its image vectors (`what="image_vectors"`, the image
    reader's final state) or its row vectors (`what="row_vectors"`, the row reader's output) as one compiled
    function for every batch size: traced on first use, kept while the model lives. Keras's own `predict` traces
    again for each new batch size, about a second each on a 2-core CPU.
    """
    with _PROBERS_LOCK:
        functions = _COMPILED.setdefault(model, {})
        function = functions.get(what)
        if function is None:
            if what == "probs":
                model_ref = weakref.ref(model)  # the cache must not keep an evicted model in memory

                def call(images):
                    return model_ref()(images, training=False)

            else:
                layer = {"image_vectors": IMAGE_READER_LAYER, "row_vectors": ROW_READER_LAYER}[what]
                encoder = keras.Model(model.inputs, model.get_layer(layer).output)  # shares the weights

                def call(images):
                    return encoder(images, training=False)

            function = functions[what] = tf.function(call, input_signature=[_BATCH])
    return function


def _in_batches(function, images, batch_size, shape):
    images = np.asarray(images, np.float32)
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected images of shape (N, 28, 28, 1), got {images.shape}")
    parts = [function(tf.constant(images[k : k + batch_size])).numpy() for k in range(0, len(images), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0, *shape), np.float32)


def predict_batch(model, images, batch_size=256):
    """Class probabilities `(N, classes)` for images `(N, 28, 28, 1)` in [0, 1], in compiled batches (one trace per
    model, whatever the batch sizes).

    Raises:
        ValueError: for images of another shape.
    """
    return _in_batches(_compiled(model, "probs"), images, batch_size, (model.output_shape[-1],))


def final_image_states(model, images, batch_size=256):
    """The image reader's final state (the image vector) for a batch: `(N, 28, 28, 1)` -> `(N, image_units)`.

    Raises:
        ValueError: for images of another shape.
    """
    width = model.get_layer(IMAGE_READER_LAYER).output.shape[-1]
    return _in_batches(_compiled(model, "image_vectors"), images, batch_size, (width,))


def row_vectors_batch(model, images, batch_size=256):
    """The row reader's vector for each row, for a batch: `(N, 28, 28, 1)` or `(N, 28, 28)` floats in [0, 1] ->
    `(N, 28, row_units)` (`ProbeResult.row_vectors` of each image): the model's own row reader, one compiled
    function for every batch size.

    Raises:
        ValueError: for images of another shape; ModelFileError: for a model without a row reader.
    """
    images = np.asarray(images, np.float32)
    if images.shape[1:] == (28, 28):
        images = images[..., None]
    try:
        layer = model.get_layer(ROW_READER_LAYER)
    except ValueError as exc:
        raise ModelFileError(f"not an hrnn model: {exc}") from exc
    shape = (28, layer.output.shape[-1])
    return _in_batches(_compiled(model, "row_vectors"), images, batch_size, shape)


def image_reader(model):
    """The image reader (an LSTM) of an HRNN.

    Raises:
        ModelFileError: for a model without an image reader that is an LSTM.
    """
    try:
        return _inner_lstm(model.get_layer(IMAGE_READER_LAYER))
    except ValueError as exc:
        raise ModelFileError(f"not an hrnn model: {exc}") from exc


_IS_HRNN = weakref.WeakKeyDictionary()


def predict_one(model, image28):
    """The class probabilities `(classes,)` of any model of `hrnn.nn.model.ARCHITECTURES` for one image.

    The HRNN goes through `probe` (its compiled fast path); other models through `predict_batch`'s compiled
    function.

    Args:
        image28: `(28, 28)` or `(28, 28, 1)` floats in [0, 1].

    Raises:
        ValueError: for an image of the wrong shape.
    """
    image = _as_image(image28)
    with _PROBERS_LOCK:
        is_hrnn = _IS_HRNN.get(model)
        if is_hrnn is None:
            is_hrnn = _IS_HRNN[model] = model_architecture(model).name == "hrnn"
    if is_hrnn:
        return probe(model, image).probs
    return predict_batch(model, image[None, :, :, None])[0]
