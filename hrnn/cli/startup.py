"""Importing TensorFlow without its start-up lines: each command calls `import_tensorflow` once its arguments are
checked, so that a refused argument answers at once."""

import os
import sys


def import_tensorflow(verbose=False):
    """Import TensorFlow with file descriptor 2 pointed at /dev/null (with `verbose`, plainly).

    Its C++ start-up lines (absl's "All log messages before absl::InitializeLog()..." and oneDNN's notice) are
    written before TF_CPP_MIN_LOG_LEVEL is read, straight to the process's stderr, so only the descriptor itself
    can hold them back. A failing import still raises, after stderr is back.
    """
    if "tensorflow" in sys.modules:
        return
    if verbose:
        import tensorflow  # noqa: F401

        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
