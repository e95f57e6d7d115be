"""A real `streamlit run app.py` on a loopback port and the Chromium that opens it, for the browser tests and the
measuring scripts."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.data import REPO, full_mnist_path, make_mnist, write_npz

CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


VIEWPORT = {"width": 1400, "height": 1000}


SERVER_START_SECONDS = 90


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mnist_for_server(folder):
    """The full MNIST if there is one, else a synthetic .npz big enough for a 300-image run."""
    path = full_mnist_path()
    if path is not None:
        return path
    return write_npz(folder / "mnist.npz", make_mnist(n_train=1000, n_test=200))


def _wait_until_healthy(url, process, log_path, timeout=SERVER_START_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with code {process.returncode} before it was ready; log: {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not answer {url} within {timeout} s; log: {log_path}")


class Server:
    """`streamlit run app.py` (of `app_dir`) on a loopback port, serving the runs folder `e2e_dir/runs`; `start`,
    `kill` (as a crash would: SIGKILL, no clean-up) and `stop` it, as often as a test needs. Run workers are not its
    to stop. With `warm_spare` it keeps a warm spare worker, as a real server does; without, it starts none, so that
    a module that trains nothing or little does not pay a TensorFlow process per server start (and its replacement
    after every run)."""

    def __init__(self, e2e_dir, port=None, app_dir=REPO, started_in=None, address="127.0.0.1", warm_spare=False, **env):
        self.e2e_dir, self.port, self.app_dir = e2e_dir, port or _free_port(), app_dir
        self.started_in = started_in or app_dir  # the working folder: Streamlit reads .streamlit/ from there
        self.address = address  # None: no --server.address flag
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = e2e_dir / "streamlit.log"
        self.env = dict(os.environ)  # passes HRNN_PRETRAINED (and anything else the caller set) through
        if warm_spare:
            self.env.pop("HRNN_NO_WARMUP", None)
        else:
            self.env["HRNN_NO_WARMUP"] = "1"
        self.env.update(
            HRNN_RUNS_DIR=str(e2e_dir / "runs"),
            HRNN_OFFLINE="1",
            HRNN_MNIST=str(_mnist_for_server(e2e_dir)),
            TF_CPP_MIN_LOG_LEVEL="2",
            # Its runs train on the TensorFlow path, as every test but the native op's (no minute of compiling
            # beside the browsers, nothing built into the user's cache); `HRNN_KERNEL="1"` as an argument turns it on.
            HRNN_KERNEL="0",
        )
        self.env.update(env)
        self.process = None

    def start(self):
        command = [sys.executable, "-m", "streamlit", "run", str(self.app_dir / "app.py")]
        command += ["--server.port", str(self.port), "--server.headless", "true"]
        command += ["--server.address", self.address] if self.address else []
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.started_in, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_until_healthy(f"{self.url}/_stcore/health", self.process, self.log_path)
        return self

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def require_chromium():
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
