"""MNIST: which source to load; reading its files, and refusing anything that is not MNIST, is `hrnn.data.mnist_files`.

`load_mnist("auto")` tries, in order:

1. the path in the environment variable `HRNN_MNIST` (an `.npz` in the Keras layout, or a folder of the four
   IDX files, plain or gzipped);
2. the Keras cache `~/.keras/datasets/mnist.npz`, then a Keras download (skipped when `HRNN_OFFLINE=1`);
3. the offline sample (`hrnn.data.offline`): 5,000 real MNIST training digits to train on and 1,000 real MNIST test
   digits to test on, from files the requirements install.

An explicit path never touches the network. Every source is checked; a bad one raises `DataError` naming the
file and what is wrong with it.
"""

import logging
import os
from pathlib import Path

from hrnn import settings
from hrnn.data.mnist_files import DataError, MnistData, load_keras, load_path, path_kind
from hrnn.data.offline import load_sample

log = logging.getLogger(__name__)

__all__ = ["DataError", "MnistData", "load_mnist"]  # what the other packages take from here


def load_mnist(source="auto"):
    """Load MNIST.

    Args:
        source: `"auto"` (see the module docstring), `"keras"` (cache or download), `"sample"` (the offline
            sample), or a path to an `.npz` file or a folder of IDX files.

    Returns:
        `MnistData`, validated.

    Raises:
        DataError: if the source is missing, unreadable or not MNIST (the message names the file).
    """
    if isinstance(source, os.PathLike):  # a path, even one spelled "auto" or "sample", is never a keyword
        return load_path(source)
    if source == "auto":
        if settings.mnist_path():
            return load_path(settings.mnist_path())
        cached = Path.home() / ".keras" / "datasets" / "mnist.npz"
        if path_kind(cached, quiet=True) == "file":
            try:
                return load_path(cached)
            except DataError as exc:
                log.warning("ignoring the Keras cache: %s", exc)
        if not settings.offline():
            try:
                return load_keras()
            except DataError as exc:
                log.info("no Keras download (%s); using the offline sample", exc)
        return load_sample()
    if source == "keras":
        return load_keras()
    if source == "sample":
        return load_sample()
    if not isinstance(source, str) or not source:
        raise DataError(f"unknown data source {source!r}: use 'auto', 'keras', 'sample' or a path")
    return load_path(source)
