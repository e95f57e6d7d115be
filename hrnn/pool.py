"""`ModelPool`: compiled training models kept for reuse, so that a second run with the same architecture and
optimizer starts without tracing its training graph again (the slow part of a first batch).

A process trains one run at a time (a worker trains one run; the benchmarks run theirs one after another), so the
process-global seed that `acquire` sets is that run's alone, and a lent model has one user: the spare worker warms a
model up, gives it back, and its run borrows it."""

from contextlib import contextmanager

import keras
import numpy as np

from hrnn.model import ARCHITECTURES, CompileSettings, compile_hrnn, initialise


@contextmanager
def _kernel_cache_kept():
    """Within the block, TensorFlow does not empty its cache of instantiated kernels and functions.

    `tf.random.set_seed` empties it "to reset any existing seeds" of stateful random kernels. Training here runs no
    such kernel across runs (weights come from Keras's stateless seed generator; each `fit` builds its shuffling
    anew from the global seed), but the flush makes TensorFlow optimise and instantiate the whole training step
    again: 1.1 s before a run's first batch, measured, although the spare worker had traced and run it.
    `tests/test_training.py` checks that runs stay bit-for-bit reproducible and fails if the private function
    patched here disappears (then the flush simply happens, as before).
    """
    from tensorflow.python import pywrap_tfe

    clear = getattr(pywrap_tfe, "TFE_ContextClearCaches", None)
    if clear is None:
        yield
        return
    pywrap_tfe.TFE_ContextClearCaches = lambda handle: None
    try:
        yield
    finally:
        pywrap_tfe.TFE_ContextClearCaches = clear


def set_seed(seed):
    """`keras.utils.set_random_seed(seed)` (Python, NumPy, TensorFlow and Keras's own generator), without
    TensorFlow's kernel-cache flush (`_kernel_cache_kept`)."""
    with _kernel_cache_kept():
        keras.utils.set_random_seed(seed)


class ModelPool:
    """A model is lent to one run at a time; `acquire` resets it to fresh initial weights and optimizer state,
    so a reused model trains exactly as a new one would."""

    def __init__(self, max_idle=2):
        self._idle = {}  # key -> list of models
        self._max_idle = max_idle

    @staticmethod
    def key(config):
        return (config.arch, config.row_units, config.col_units, config.optimizer, config.clipnorm)

    def acquire(self, config):
        """A compiled model of `config.arch` for `config` (a `TrainConfig`), with fresh weights drawn from
        `config.seed`."""
        idle = self._idle.get(self.key(config), [])
        model = idle.pop() if idle else None
        set_seed(config.seed)
        fresh = ARCHITECTURES[config.arch].build(config.row_units, config.col_units)
        if config.arch == "hrnn":  # the initialisation settings are the HRNN's (its row and image readers)
            fresh = initialise(fresh, config.row_input_scale, config.forget_bias)
        if model is None:
            settings = CompileSettings(config.optimizer, config.learning_rate, config.clipnorm)
            return compile_hrnn(fresh, settings)
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
