"""Model files: loading a saved `.keras` model safely and checking it is a model this app can use, and the
shipped pretrained model (Keras only)."""

import warnings
import zipfile
from pathlib import Path

import keras

from hrnn import settings
from hrnn.nn.architectures import article, model_architecture
from hrnn.nn.builders import COLS, INPUT_SHAPE, ROWS

PRETRAINED_PATH = Path(__file__).resolve().parents[1] / "assets" / "hrnn_mnist.keras"


class ModelFileError(Exception):
    """A model file is missing, is not a Keras model, or is not a model of a known architecture for 28 x 28 images."""


def load_model(path, arch=None):
    """Load a saved model (`.keras`) for inference, with Keras's safe mode on, and check it once, fully.

    Args:
        path: the `.keras` file.
        arch: the architecture the file should hold (its run record's `arch`), or None to accept any known one.

    Returns:
        The `keras.Model`, checked to take `(28, 28, 1)` images, to give 10 softmax probabilities, and to be one of
        `ARCHITECTURES` as its builder makes it (`model_architecture(model)` says which).

    Raises:
        ModelFileError: one line naming the file: missing or unreadable, not a Keras model, the wrong input
            shape, `"<file>: not an hrnn model: <what is wrong>"` (or flat-lstm, cnn) for a model that names an
            architecture but is not built as it, `"<file>: not a known architecture ..."`, or a model of another
            architecture than `arch`.
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
        with warnings.catch_warnings():  # a file that does not fit its config: the error below says so in one line,
            warnings.simplefilter("ignore")  # Keras's warnings before it only name its own files
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for damaged archives; all mean the same to a user
        raise ModelFileError(
            f"{path}: could not be loaded as a Keras model ({type(exc).__name__}: {_innermost_reason(exc)})"
        ) from exc
    shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if shape not in (INPUT_SHAPE, (ROWS, COLS)):
        raise ModelFileError(f"{path}: the model takes inputs of shape {model.input_shape}, not (None, 28, 28, 1)")
    try:
        found = model_architecture(model)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc
    if arch is not None and found.name != arch:
        raise ModelFileError(f"{path}: holds {article(found.name)} model, but its run record says {arch}")
    return model


def _innermost_reason(exc, limit=200):
    """The useful line of a Keras loading error. Keras nests the whole layer config into its messages (several
    lines for one Lambda); the innermost "Exception encountered:" part says what actually went wrong."""
    text = str(exc).split("Exception encountered:")[-1].strip()
    line = (text.splitlines() or [""])[0]
    sentence = line.split(". ")[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def load_pretrained():
    """Load the pretrained HRNN shipped with the package (`hrnn/assets/hrnn_mnist.keras`).

    Raises:
        ModelFileError: if the shipped file is missing or damaged (reinstall the package).
    """
    return load_model(pretrained_file())


def pretrained_file():
    """The file "the shipped model" is read from: `HRNN_PRETRAINED` when set, else the package's own."""
    return Path(settings.pretrained_path() or PRETRAINED_PATH)
