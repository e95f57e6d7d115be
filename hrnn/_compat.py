"""Every use of a private name of another library, in one place, each with why it is needed and the versions it
was checked on. `tests/test_compat.py` fails the day a name disappears or a patch stops working; each use falls
back to the public behaviour (slower, still correct) when its name is gone.

Checked on TensorFlow 2.21, Keras 3.15 and Streamlit 1.67. Third-party modules are imported inside the functions,
so importing this module costs nothing.

1. TensorFlow `pywrap_tfe.TFE_ContextClearCaches` (`kernel_cache_kept`): `tf.random.set_seed` empties
   TensorFlow's cache of instantiated kernels and functions, and the next training step optimises and instantiates
   the whole step again (over a second before a run's first batch, although the spare worker had traced it). No
   stateful random kernel carries across runs here, so seeding without the flush trains bit for bit the same.
2. Keras `Layer._call_has_training_arg` (`takes_training_arg`): whether a layer's `call` accepts `training`. The
   row-folded TimeDistributed calls its wrapped layer directly, as Keras's own TimeDistributed does.
3. Keras `LSTM.inner_loop` (`hrnn.nn.layers.FusedLSTM` overrides it): the one method between the RNN's bookkeeping
   (masks, states, return_sequences) and its step loop; overriding it swaps the loop for the fused one and keeps
   everything else Keras's. Only named here: an override cannot move.
4. Streamlit `script_runner._clean_problem_modules` (`keep_keras_state_across_reruns`): Streamlit calls it after
   every script run to reset Keras 2's global graph; in Keras 3 it calls `keras.backend.clear_session()`, which
   resets TensorFlow's caches after every rerun, fragment refresh and pen stroke, and made each prediction about
   50 times slower. The app keeps its models across reruns on purpose, so it keeps the Keras state too.
"""

import logging
import sys
from contextlib import contextmanager

log = logging.getLogger(__name__)

KERAS_RNN_LOOP_METHOD = "inner_loop"  # what FusedLSTM overrides (3.)
streamlit_clean_up = None  # Streamlit's own clean-up, once replaced (4.): what a test puts back to compare


@contextmanager
def kernel_cache_kept():
    """Within the block, TensorFlow does not empty its kernel cache (1.); without the private name, it does."""
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


def takes_training_arg(layer):
    """True if `layer.call` accepts a `training` argument (2.); True when Keras no longer says."""
    return getattr(layer, "_call_has_training_arg", True)


def _close_matplotlib_figures():
    """What Streamlit's clean-up does that is still worth doing: close matplotlib's figures, if it is loaded."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def keep_keras_state_across_reruns():
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run (4.). Returns True if the
    patch is in place."""
    from streamlit.runtime.scriptrunner import script_runner

    global streamlit_clean_up
    current = getattr(script_runner, "_clean_problem_modules", None)
    if current is None:
        log.warning("Streamlit has no _clean_problem_modules any more: it may clear the Keras session after runs")
        return False
    if current is not _close_matplotlib_figures:
        streamlit_clean_up = current
    script_runner._clean_problem_modules = _close_matplotlib_figures
    return True
