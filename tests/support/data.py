"""Data the tests make: synthetic MNIST-shaped digits, an HRNN with random weights, the repository's root, the full
MNIST when one is found."""

import os
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]  # tests/support/data.py -> the repository


def full_mnist_path():
    """The full MNIST .npz for tests that need real data: $HRNN_MNIST, else ../shared/data/mnist.npz."""
    candidates = [os.environ.get("HRNN_MNIST"), REPO.parent / "shared" / "data" / "mnist.npz"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def make_mnist(n_train=200, n_test=60, seed=0):
    """Synthetic MNIST-shaped data: each digit is a bright bar at a digit-specific row, plus noise."""
    from hrnn.data.mnist import MnistData

    rng = np.random.default_rng(seed)

    def split(n):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            images[i, 3 + 2 * label : 5 + 2 * label, 4:24] = 255
        return images, labels.astype(np.int64)

    x_train, y_train = split(n_train)
    x_test, y_test = split(n_test)
    return MnistData(
        x_train, y_train, x_test, y_test, f"synthetic test data: {n_train} training and {n_test} test images"
    )


def random_hrnn(row_units=16, image_units=12, seed=0):
    """An HRNN with random weights (scale 0.3), for tests that compare what it computes with a reference."""
    from hrnn.nn.builders import build_hrnn

    model = build_hrnn(row_units, image_units)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(scale=0.3, size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def write_npz(path, data):
    np.savez(path, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test)
    return path
