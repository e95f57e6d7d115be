"""The native LSTM op, built once per test session into a temporary cache folder (about a minute of compiling)."""

import logging
import os
import shutil
import time

import pytest

from hrnn.nn.native import build

# `HRNN_TEST_KERNEL_CACHE`: a folder for the session's build given from outside (`.ci/run` gives one, and hands it to
# `bench --quick` after the tests, which loads their build instead of compiling again).
OUTSIDE_CACHE = os.environ.get("HRNN_TEST_KERNEL_CACHE", "").strip()


@pytest.fixture(scope="session")
def native_library(tmp_path_factory):
    """The loaded native op library, built for this session. Skips where there is no C++ compiler; fails if the
    build fails (CI has g++: the op must build there)."""
    if shutil.which(build.compiler()) is None:
        pytest.skip(f"no C++ compiler ({build.compiler()}): the native op cannot be built here")
    # One folder for all of pytest-xdist's workers (their base folders share a parent): the first builds, under the
    # build's file lock, and the others wait and load what it built.
    patch = pytest.MonkeyPatch()
    patch.setenv("HRNN_KERNEL_CACHE", OUTSIDE_CACHE or str(tmp_path_factory.getbasetemp().parent / "hrnn-kernels"))
    started = time.perf_counter()
    try:
        library = build.load_library(build=True)
        path = build.library_path()
    finally:
        patch.undo()
    if library is None:
        pytest.fail(f"the native LSTM op did not build: {build.failure()}")
    logging.getLogger(__name__).warning("native op built for the tests in %.1f s", time.perf_counter() - started)
    return library, path
