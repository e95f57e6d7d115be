"""Fixtures of the AppTest tests: every test runs the app on synthetic digits with a small model of its own."""

import shutil

import pytest
import streamlit as st

from hrnn.train.config import TrainConfig
from hrnn.train.loop import train
from tests.conftest import make_mnist, write_npz


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    """A small model trained once on the synthetic digits (training one per test cost 4 s of setup each)."""
    path = tmp_path_factory.mktemp("small-model") / "small.keras"
    config = TrainConfig(epochs=1, row_units=8, col_units=8, validation="none", test_limit=0)
    train(config, make_mnist(), keep_model=True).model.save(path)
    return path


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
