"""Fixtures of the AppTest tests: every test runs the app on synthetic digits with a small model of its own."""

import fcntl
import hashlib
import os
import shutil
from pathlib import Path

import pytest
import streamlit as st

from hrnn import settings
from hrnn.runs.launch.launcher import create_run
from hrnn.runs.store.records import LOCK_NAME
from hrnn.train.config import TrainConfig
from tests.assets.make_small_model import ASSET
from tests.support.data import write_npz


@pytest.fixture(scope="session")
def small_model():
    """A small model trained on the synthetic digits, kept in tests/assets (see make_small_model.py there)."""
    return ASSET


_LOADED = {}  # (sha-1 of a model file's bytes, arch) -> the model loaded from it, for this test process


@pytest.fixture(autouse=True)
def _models_shared_as_on_a_server(monkeypatch):
    """A model file's model is loaded once per test process and shared by the tests, as a server shares it by all
    its sessions (`hrnn.ui.common.resources`: models are read-only once loaded). Streamlit's caches are still fresh for
    each test; what is shared is the model a page loads, so that each test does not load the same model and trace
    its functions again, which was the larger part of these tests' time. Keyed by the file's bytes: a test's own
    copy of the same file gets the same model, and a rewritten or other file is loaded for real. Files that fail to
    load are never kept, so each test sees its own error."""
    import hrnn.ui.common.resources as resources

    real_load = resources.load_model

    def load_model(path, arch=None):
        try:
            key = (hashlib.sha1(Path(path).read_bytes()).hexdigest(), arch)
        except OSError:
            return real_load(path, arch=arch)  # the real one says what is wrong, in its own words
        if key not in _LOADED:
            _LOADED[key] = real_load(path, arch=arch)
        return _LOADED[key]

    monkeypatch.setattr(resources, "load_model", load_model)


@pytest.fixture(autouse=True)
def app_env(monkeypatch, tmp_path, tiny_data, small_model):
    """Synthetic data and a small trained model (a copy of its own); fresh Streamlit caches for each test."""
    monkeypatch.setenv("HRNN_MNIST", str(write_npz(tmp_path / "mnist.npz", tiny_data)))
    model_path = tmp_path / "small.keras"
    shutil.copyfile(small_model, model_path)
    monkeypatch.setenv("HRNN_PRETRAINED", str(model_path))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def run_in_training():
    """`run_in_training(owner=None)`: a run (3 epochs, readers of 8 units) training now, as its worker would leave
    it: record "running", a heartbeat, its lock held by this test until it ends; `owner`, the key of the browser
    that started it. Returns its `RunFolder`."""
    locks = []

    def make(owner=None):
        folder = create_run(TrainConfig(epochs=3, row_units=8, image_units=8).check(), "sample", owner=owner)
        record = folder.read_record()
        record.status = "running"
        folder.write_record(record)
        folder.write_heartbeat(folder.read_settings().token)
        locks.append(os.open(folder.file(LOCK_NAME), os.O_RDWR | os.O_CREAT))
        fcntl.flock(locks[-1], fcntl.LOCK_EX)
        return folder

    yield make
    for lock in locks:
        os.close(lock)


@pytest.fixture
def no_workers(monkeypatch):
    """Start makes the run's folder (owned by the browser that pressed it) and starts no worker: the run reads as
    queued for its first minute."""
    from hrnn.ui.train import page as train_page

    def start_run(config, data, owner):
        return create_run(config, data.spec, settings.runs_dir(), owner=owner).run_id

    monkeypatch.setattr(train_page, "start_run", start_run)
