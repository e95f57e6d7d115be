"""Shared fixtures. Tests never touch the network, the user's home folder or the real runs folder."""

import os
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_OFFLINE", "1")  # never try a Keras download
    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("HRNN_NO_WARMUP", "1")


def wait_until(predicate, timeout, poll=0.5):
    """Poll `predicate` until it is true (returns True) or `timeout` seconds have passed (returns False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return bool(predicate())


def full_mnist_path():
    """The full MNIST .npz for tests that need real data: $HRNN_MNIST, else ../shared/data/mnist.npz."""
    candidates = [os.environ.get("HRNN_MNIST"), REPO.parent / "shared" / "data" / "mnist.npz"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.fixture
def mnist_npz():
    path = full_mnist_path()
    if path is None:
        pytest.skip("full MNIST not available: set HRNN_MNIST to an mnist.npz to run this test")
    return path


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


@pytest.fixture
def tiny_data():
    return make_mnist()


def write_npz(path, data):
    np.savez(path, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test)
    return path
