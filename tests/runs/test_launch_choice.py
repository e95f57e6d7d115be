"""Choosing the launcher, without a Ray cluster: the local one unless Ray is asked for; without Ray installed, or
with its cluster out of reach, one line and the local launcher; Ray imported only when asked for; "auto" joins a
running Ray and never starts one in the app; a node that cannot read the run folder writes nothing and says so."""

import os
import socket
import subprocess
import sys
import types

import pytest

from hrnn import runs
from hrnn.runs.launch import ray_launcher
from hrnn.runs.launch.choice import open_launcher
from hrnn.runs.launch.launcher import LaunchError, LocalLauncher, create_run
from hrnn.runs.launch.ray_task import run_task
from hrnn.train.config import TrainConfig
from tests.support.data import REPO


def fake_ray(running=False, reachable=True):
    """A stand-in `ray` module whose `init` records its calls: "auto" finds a Ray only if `running`; an address
    is joined only if `reachable`."""
    calls = []

    def init(address=None, **kwargs):
        calls.append((address, kwargs))
        if address == "auto" and not running:
            raise ConnectionError("Could not find any running Ray instance.\nPlease specify the one to connect to.")
        if address not in (None, "auto") and not reachable:
            raise ConnectionError(f"Failed to connect to GCS at address {address} within 5 seconds.\nMore text.")

    return types.SimpleNamespace(init=init, is_initialized=lambda: False, calls=calls)


def test_the_local_launcher_is_the_default_and_imports_no_ray(tmp_path):
    script = (
        "import sys\n"
        "from hrnn.runs.launch.choice import open_launcher\n"
        "from hrnn.runs.launch.launcher import LocalLauncher\n"
        f"launcher, problem = open_launcher('local', {str(tmp_path)!r})\n"
        "assert isinstance(launcher, LocalLauncher) and problem is None\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_asking_for_ray_without_ray_installed_gives_one_line_and_the_local_launcher(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    launcher, problem = open_launcher("ray", tmp_path)
    assert isinstance(launcher, LocalLauncher)
    assert problem == "HRNN_LAUNCHER=ray, but Ray is not installed: pip install -r requirements-scale.txt"


@pytest.fixture
def listening():
    """The address of a socket that listens (as a Ray head would) but is no Ray."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def closed_port():
    """The address of a port nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    return f"127.0.0.1:{port}"


def test_a_ray_cluster_out_of_reach_gives_one_line_at_once_and_the_local_launcher(monkeypatch, tmp_path, closed_port):
    ray = fake_ray()
    monkeypatch.setitem(sys.modules, "ray", ray)
    launcher, problem = open_launcher("ray", tmp_path, address=closed_port)
    assert isinstance(launcher, LocalLauncher)
    assert problem == f"cannot reach the Ray cluster at {closed_port} (Connection refused)"
    assert ray.calls == []  # Ray itself would try an unreachable address for minutes


def test_a_cluster_that_answers_but_cannot_be_joined_gives_one_line(monkeypatch, tmp_path, listening):
    monkeypatch.setitem(sys.modules, "ray", fake_ray(reachable=False))
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    launcher, problem = open_launcher("ray", tmp_path, address=listening)
    assert isinstance(launcher, LocalLauncher)
    refused = f"Failed to connect to GCS at address {listening} within 5 seconds."
    assert problem == f"cannot join the Ray cluster at {listening}: {refused}"
    monkeypatch.delenv("RAY_AUTH_MODE")
    assert open_launcher("ray", tmp_path, address=listening)[1].endswith(
        "(a cluster with token authentication: RAY_AUTH_MODE=token)"
    )


@pytest.mark.parametrize("running", [True, False], ids=["a Ray runs here", "none runs"])
def test_auto_joins_a_running_ray_and_never_starts_one_in_the_app(monkeypatch, running):
    """A Ray started inside the app's process ended the whole server when it could not reach its own head (issue 32,
    item 24): "auto" joins a Ray that runs here, else refuses in one line, and the app trains on this machine."""
    ray = fake_ray(running=running)
    monkeypatch.setitem(sys.modules, "ray", ray)
    if running:
        assert ray_launcher.connect("auto") is ray
    else:
        with pytest.raises(LaunchError, match="no Ray is running on this machine: start one with `ray start --head`"):
            ray_launcher.connect("auto")
        launcher, problem = open_launcher("ray", address="auto")
        assert isinstance(launcher, LocalLauncher) and problem == ray_launcher.NO_RAY_HERE
        launcher.close()
    assert {address for address, _ in ray.calls} == {"auto"}  # never an `init()` that starts a Ray here


def test_an_explicit_address_is_joined_and_never_replaced_by_a_local_ray(monkeypatch, listening):
    ray = fake_ray(reachable=False)
    monkeypatch.setitem(sys.modules, "ray", ray)
    with pytest.raises(LaunchError, match=f"^cannot join the Ray cluster at ray://{listening}: Failed to connect"):
        ray_launcher.connect(f"ray://{listening}")
    assert [address for address, _ in ray.calls] == [f"ray://{listening}"]


def test_a_node_that_cannot_read_the_run_folder_writes_nothing_and_says_why_in_one_line(tmp_path):
    unseen = tmp_path / "not-mounted-here" / "20260101-000000-abcd"
    problem = run_task(str(unseen), "token", threads=1)
    assert problem.startswith(f"Ray node {os.uname().nodename} cannot use the run folder {unseen} (no settings.json)")
    assert problem.endswith("must be on storage every node mounts at the same path") and "\n" not in problem
    assert not unseen.exists()


def test_a_node_that_finds_another_runs_settings_does_not_run_it(tmp_path):
    folder = create_run(TrainConfig(epochs=1, row_units=8, image_units=8).check(), "sample", root=tmp_path)
    problem = run_task(str(folder.path), "another-runs-token", threads=1)
    assert "(it holds another run's settings)" in problem
    assert folder.read_record().status == "queued" and not folder.file(runs.LOG_NAME).exists()
