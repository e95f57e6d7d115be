"""Shared fixtures. Tests never touch the network, the user's home folder or the real runs folder."""

import builtins
import errno
import io
import os
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.data import full_mnist_path, make_mnist

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_OFFLINE", "1")  # never try a Keras download
    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("HRNN_NO_WARMUP", "1")
    # Training builds no native op unless a test asks for it (tests/nn/conftest.py builds it once per session).
    monkeypatch.setenv("HRNN_KERNEL", "0")
    monkeypatch.setenv("HRNN_KERNEL_CACHE", str(tmp_path / "kernels"))
    native = sys.modules.get("hrnn.nn.native.op")
    if native is not None:  # no test inherits the op turned on by an earlier test's training
        monkeypatch.setitem(native._use, "library", None)
        monkeypatch.setitem(native._use, "bf16", False)


@pytest.fixture(scope="session", autouse=True)
def _pages_run_as_under_app_py():
    """AppTests of single pages run as the pages do under app.py, which keeps Keras's state across reruns
    (`hrnn._compat.keep_keras_state_across_reruns`). Without it Streamlit clears the Keras session after every run of
    a test's page, which the app never does: the tests would run slower and unlike the app, and differently depending
    on whether an AppTest of app.py had run before them in the same process."""
    from hrnn._compat import keep_keras_state_across_reruns

    assert keep_keras_state_across_reruns()


@pytest.fixture
def mnist_npz():
    path = full_mnist_path()
    if path is None:
        pytest.skip("full MNIST not available: set HRNN_MNIST to an mnist.npz to run this test")
    return path


@pytest.fixture
def tiny_data():
    return make_mnist()


_OS_READS = ("stat", "lstat", "open", "scandir", "listdir")  # `open` reads or writes, as its flags say
_OS_WRITES = ("mkdir", "unlink", "remove", "rename", "replace", "rmdir")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


@pytest.fixture
def deny_access(monkeypatch):
    """`deny_access(folder, writes_only=False)`: make `folder` unreadable (mode 000) or, with `writes_only`, read-only
    (mode 555), as a server's permissions would; modes are restored after the test.

    Root ignores file modes (reads and writes still succeed), and tests may run as root: there the same errors are
    simulated instead, by patching the `os` and `io` calls to raise PermissionError for paths inside `folder`.
    Returns "mode" when the file mode itself denies access, "simulated" otherwise.
    """
    changed = []

    def deny(folder, writes_only=False):
        folder = Path(folder).absolute()
        changed.append(folder)
        folder.chmod(0o555 if writes_only else 0o000)
        try:
            if writes_only:
                tempfile.TemporaryFile(dir=folder).close()
            else:
                os.listdir(folder)
        except PermissionError:
            return "mode"
        folder.chmod(0o755)  # root: the mode does not bite, so simulate what it would do
        _simulate_denial(monkeypatch, folder, writes_only)
        return "simulated"

    yield deny
    for folder in changed:
        folder.chmod(0o755)


def _simulate_denial(monkeypatch, folder, writes_only):
    """Patch `os` and `io` so that reaching into `folder` (or, `writes_only`, changing anything in it) raises
    PermissionError, as the folder's mode would for anyone but root."""
    inside = str(folder) + os.sep

    def check(path, writing):
        if isinstance(path, int) or path is None or (writes_only and not writing):
            return
        name = os.fsdecode(path)
        if os.path.abspath(name).startswith(inside):
            raise PermissionError(errno.EACCES, "Permission denied", name)

    def guard(name, real):
        def call(*args, **kwargs):
            path = args[0] if args else kwargs.get("path", kwargs.get("src"))
            flags = args[1] if len(args) > 1 else kwargs.get("flags", 0)
            check(path, name in _OS_WRITES or (name == "open" and flags & _WRITE_FLAGS))
            if name in ("rename", "replace"):
                check(args[1] if len(args) > 1 else kwargs.get("dst"), True)
            return real(*args, **kwargs)

        return call

    for name in _OS_READS + _OS_WRITES:
        monkeypatch.setattr(os, name, guard(name, getattr(os, name)))
    real_open = io.open

    def open_file(file, mode="r", *args, **kwargs):
        check(file, bool(set(mode) & set("wax+")))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", open_file)
    monkeypatch.setattr(builtins, "open", open_file)
