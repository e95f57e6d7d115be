"""Fixtures of the AppTest tests: every test runs the app on synthetic digits with a small model of its own."""

import shutil

import pytest
import streamlit as st

from tests.assets.make_small_model import ASSET
from tests.conftest import write_npz


@pytest.fixture(scope="session")
def small_model():
    """A small model trained on the synthetic digits, kept in tests/assets (see make_small_model.py there)."""
    return ASSET


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
