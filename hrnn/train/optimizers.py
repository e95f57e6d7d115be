"""How a model is compiled for training: the optimizer by name, the loss, the metric (Keras only).

The model itself knows nothing of how it is trained; this module is where training builds its optimizer.
"""

from dataclasses import dataclass

import keras

from hrnn.bounds import one_of
from hrnn.train.config import OPTIMIZERS


@dataclass(frozen=True)
class CompileSettings:
    """How a model is compiled; the defaults are the original Keras example's."""

    optimizer: str = "rmsprop"  # one of OPTIMIZERS
    learning_rate: float = 1e-3  # Keras's default for RMSprop, as the original used
    clipnorm: float | None = None  # clip each weight's gradient to this norm (None: no clipping, as the original)
    loss: str = "sparse_categorical_crossentropy"  # the original's categorical cross-entropy, on integer labels


def make_optimizer(name="rmsprop", learning_rate=1e-3, clipnorm=None):
    """Return a fresh Keras optimizer by name (one of `OPTIMIZERS`), clipping each gradient to `clipnorm` if set.

    Raises:
        ValueError: for an unknown name or a learning rate that is not a positive number.
    """
    one_of(name, OPTIMIZERS, "optimizer")
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


def compile_for_training(model, settings=CompileSettings()):
    """Compile `model` (of any architecture) in place with `settings` (the original example's by default) and
    return it.

    Categorical cross-entropy on integer labels is `sparse_categorical_crossentropy`: the same loss as the
    original's one-hot `categorical_crossentropy`, without materialising the one-hot matrix.

    Every variable training needs exists when this returns: the accuracy metric is made here rather than named
    ("accuracy" is resolved inside the first training step) and the optimizer's slots are built. Otherwise
    Keras creates them while tracing the first step, and a `tf.function` that creates variables is traced twice:
    once to create them, once more to run. The first batch then comes about 2 s later on a 2-core CPU.
    """
    model.compile(
        optimizer=make_optimizer(settings.optimizer, settings.learning_rate, settings.clipnorm),
        loss=settings.loss,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    model.optimizer.build(model.trainable_variables)
    return model
