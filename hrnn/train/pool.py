"""`ModelPool`: compiled training models kept for reuse, so that a second run with the same architecture and
optimizer starts without tracing its training graph again (the slow part of a first batch).

A process trains one run at a time (a worker trains one run; the benchmarks run theirs one after another), so the
process-global seed that `acquire` sets is that run's alone, and a lent model has one user: the spare worker warms a
model up, gives it back, and its run borrows it."""

import keras
import numpy as np

from hrnn._compat import kernel_cache_kept
from hrnn.nn.architectures import ARCHITECTURES
from hrnn.nn.builders import initialise
from hrnn.train.optimizers import CompileSettings, compile_for_training


def set_seed(seed):
    """`keras.utils.set_random_seed(seed)` (Python, NumPy, TensorFlow and Keras's own generator), without
    TensorFlow's kernel-cache flush (`hrnn._compat.kernel_cache_kept`)."""
    with kernel_cache_kept():
        keras.utils.set_random_seed(seed)


class ModelPool:
    """A model is lent to one run at a time; `acquire` resets it to fresh initial weights and optimizer state,
    so a reused model trains exactly as a new one would."""

    def __init__(self, max_idle=2):
        self._idle = {}  # key -> list of models
        self._max_idle = max_idle

    @staticmethod
    def key(config):
        return (config.arch, config.row_units, config.image_units, config.optimizer, config.clipnorm)

    def acquire(self, config):
        """A compiled model of `config.arch` for `config` (a `TrainConfig`), with fresh weights drawn from
        `config.seed`."""
        idle = self._idle.get(self.key(config), [])
        model = idle.pop() if idle else None
        set_seed(config.seed)
        fresh = ARCHITECTURES[config.arch].build(config.row_units, config.image_units)
        if config.arch == "hrnn":  # the initialisation settings are the HRNN's (its row and image readers)
            fresh = initialise(fresh, config.row_input_scale, config.forget_bias)
        if model is None:
            settings = CompileSettings(config.optimizer, config.learning_rate, config.clipnorm)
            return compile_for_training(fresh, settings)
        model.set_weights(fresh.get_weights())
        for variable in model.optimizer.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))  # optimizer slots and step count start at 0
        model.optimizer.learning_rate.assign(config.learning_rate)
        return model

    def release(self, model, config):
        """Give `model` back for reuse (dropped if enough of its kind are idle)."""
        idle = self._idle.setdefault(self.key(config), [])
        if len(idle) < self._max_idle:
            idle.append(model)


DEFAULT_POOL = ModelPool()
