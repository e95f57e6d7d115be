"""Every HRNN_* variable is read in hrnn.settings: defaults when unset or empty, one line naming it when wrong."""

import ast
from pathlib import Path

import pytest

from hrnn import settings


def test_env_limits_have_safe_defaults(monkeypatch):
    for name in ("HRNN_MAX_RUNS", "HRNN_MAX_EPOCHS", "HRNN_MAX_UNITS", "HRNN_RUNS_DISK_MB", "HRNN_WORKER_NICE"):
        monkeypatch.delenv(name, raising=False)
    assert (settings.max_epochs(), settings.max_units(), settings.runs_disk_mb()) == (20, 256, 1024)
    assert settings.max_runs() == max(1, settings.usable_cores() // 2)
    assert settings.worker_nice() == 10


@pytest.mark.parametrize("cores, runs_at_once", [(1, 1), (2, 1), (3, 1), (4, 2), (16, 8)])
def test_runs_at_once_default_to_one_per_two_cores(monkeypatch, cores, runs_at_once):
    monkeypatch.delenv("HRNN_MAX_RUNS", raising=False)
    monkeypatch.setattr(settings, "usable_cores", lambda: cores)
    assert settings.max_runs() == runs_at_once


def test_env_limits_follow_the_environment(monkeypatch):
    monkeypatch.setenv("HRNN_MAX_RUNS", "1")
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "3")
    monkeypatch.setenv("HRNN_MAX_UNITS", " 64 ")
    monkeypatch.setenv("HRNN_RUNS_DISK_MB", "5")
    assert (settings.max_runs(), settings.max_epochs(), settings.max_units(), settings.runs_disk_mb()) == (1, 3, 64, 5)


@pytest.mark.parametrize("value", ["0", "-1", "lots", "1.5"])
def test_a_bad_env_limit_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("HRNN_MAX_UNITS", value)
    with pytest.raises(ValueError, match=f"HRNN_MAX_UNITS must be a whole number from 1 to 4,096, got '{value}'"):
        settings.max_units()


@pytest.mark.parametrize("value", ["20", "-1", "ten"])
def test_a_bad_worker_nice_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("HRNN_WORKER_NICE", value)
    with pytest.raises(ValueError, match="HRNN_WORKER_NICE must be a whole number from 0 to 19"):
        settings.worker_nice()


def test_paths_and_switches_follow_the_environment(monkeypatch, tmp_path):
    for name in ("HRNN_MNIST", "HRNN_OFFLINE", "HRNN_PRETRAINED", "HRNN_NO_WARMUP"):
        monkeypatch.delenv(name, raising=False)
    assert settings.mnist_path() is None and not settings.offline() and settings.pretrained_path() is None
    assert settings.warm_spare()
    monkeypatch.setenv("HRNN_MNIST", str(tmp_path / "m.npz"))
    monkeypatch.setenv("HRNN_OFFLINE", "1")
    monkeypatch.setenv("HRNN_PRETRAINED", str(tmp_path / "p.keras"))
    monkeypatch.setenv("HRNN_NO_WARMUP", "yes")
    assert settings.mnist_path() == str(tmp_path / "m.npz") and settings.offline()
    assert Path(settings.pretrained_path()) == tmp_path / "p.keras" and not settings.warm_spare()


def _may_name_hrnn_variable(node):
    """False only if `node` is a string that names no HRNN_* variable; a name, a call or an f-string that starts
    with a value may name one (`os.environ.get(name)`), so it counts."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("HRNN_")
    if isinstance(node, ast.JoinedStr):
        return not node.values or _may_name_hrnn_variable(node.values[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _may_name_hrnn_variable(node.left)
    return True


def _is_environ(node):
    """`os.environ` (or `os.environb`), or a name imported from it (`from os import environ`)."""
    return (isinstance(node, ast.Attribute) and node.attr in ("environ", "environb")) or (
        isinstance(node, ast.Name) and node.id in ("environ", "environb")
    )


def hrnn_variable_reads(source):
    """The lines of `source` (Python) that read an HRNN_* environment variable, in any of the usual forms:
    `os.environ[...]`, `os.environ.get/pop/setdefault(...)`, `os.getenv(...)`, `getenv(...)` imported from os,
    `"HRNN_X" in os.environ`, also where the name is a variable. Writing one (for a child process) is no read."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            found = _is_environ(node.value) and _may_name_hrnn_variable(node.slice)
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            getenv = (isinstance(function, ast.Attribute) and function.attr == "getenv") or (
                isinstance(function, ast.Name) and function.id == "getenv"
            )
            method = isinstance(function, ast.Attribute) and function.attr in ("get", "pop", "setdefault")
            found = (getenv or (method and _is_environ(function.value))) and _may_name_hrnn_variable(node.args[0])
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            found = _may_name_hrnn_variable(node.left) and any(_is_environ(c) for c in node.comparators)
        else:
            found = False
        if found:
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    "source, reads",
    [
        ('import os\nx = os.environ["HRNN_X"]', [2]),
        ('import os\nx = os.environ.get("HRNN_X", "1")', [2]),
        ('import os\nx = os.getenv("HRNN_X")', [2]),
        ('from os import environ\nx = environ["HRNN_X"]', [2]),
        ('from os import getenv\nx = getenv("HRNN_X")', [2]),
        ('import os\nx = "HRNN_X" in os.environ', [2]),
        ('import os\nx = os.environ.get(f"HRNN_{name}")', [2]),
        ('import os\nx = os.environ["HRNN_" + name]', [2]),
        ("import os\nx = os.environ.get(name)", [2]),
        ('import os\nos.environ["HRNN_X"] = "1"\nenv = {**os.environ, "HRNN_Y": "2"}', []),
        ('import os\nx = os.environ.get("TF_CPP_MIN_LOG_LEVEL")', []),
    ],
)
def test_reads_of_hrnn_variables_are_found_in_every_form(source, reads):
    assert hrnn_variable_reads(source) == reads


def test_every_hrnn_variable_the_code_reads_is_read_in_settings():
    """No other module reads an HRNN_* variable from the environment."""
    root = Path(settings.__file__).parent
    readers = {
        str(path.relative_to(root)): lines
        for path in sorted(root.rglob("*.py"))
        if path.name != "settings.py" and (lines := hrnn_variable_reads(path.read_text()))
    }
    assert readers == {}
    assert hrnn_variable_reads(Path(settings.__file__).read_text())  # the detector sees settings.py's own reads


def test_the_launcher_is_local_unless_ray_is_asked_for(monkeypatch):
    for name in ("HRNN_LAUNCHER", "HRNN_RAY_ADDRESS", "HRNN_MAX_RUNS_PER_SESSION"):
        monkeypatch.delenv(name, raising=False)
    assert (settings.launcher(), settings.ray_address(), settings.max_runs_per_session()) == ("local", "auto", 1)
    monkeypatch.setenv("HRNN_LAUNCHER", " Ray ")
    monkeypatch.setenv("HRNN_RAY_ADDRESS", "10.0.0.5:6379")
    monkeypatch.setenv("HRNN_MAX_RUNS_PER_SESSION", "3")
    assert (settings.launcher(), settings.ray_address(), settings.max_runs_per_session()) == ("ray", "10.0.0.5:6379", 3)


def test_an_unknown_launcher_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("HRNN_LAUNCHER", "slurm")
    with pytest.raises(ValueError, match="HRNN_LAUNCHER must be one of local, ray, got 'slurm'"):
        settings.launcher()


THIRTY_NINES = "9" * 30
# (variable, a value it refuses): the fault suite's cases, each one line naming the variable.
BAD_LIMITS = [
    *[("HRNN_MAX_RUNS", v) for v in ("0", "-1", "abc", "1.5", "1e3", "²", "1_0", THIRTY_NINES)],
    *[("HRNN_WORKER_NICE", v) for v in ("-1", "20", "abc", "1.5", "²", THIRTY_NINES)],
    *[("HRNN_MAX_EPOCHS", v) for v in (THIRTY_NINES, "1001", "0", "²")],
    *[("HRNN_MAX_UNITS", v) for v in (THIRTY_NINES, "4097", "1e3")],
    *[("HRNN_RUNS_DISK_MB", v) for v in ("0", "1.5", THIRTY_NINES)],
    *[("HRNN_MAX_RUNS_PER_SESSION", v) for v in ("0", "abc", THIRTY_NINES)],
]


@pytest.mark.parametrize("name, value", BAD_LIMITS)
def test_every_bad_limit_is_one_line_naming_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    (problem,) = settings.problems()
    assert problem.startswith(f"{name} must be ") and problem.endswith(f"got {value!r}") and "\n" not in problem
    with pytest.raises(ValueError, match=f"^{name} must be "):
        settings.check()


def test_the_limits_are_usable_at_their_bounds(monkeypatch):
    for name in ("HRNN_MAX_RUNS", "HRNN_WORKER_NICE", "HRNN_MAX_EPOCHS", "HRNN_MAX_UNITS"):
        monkeypatch.delenv(name, raising=False)
    assert settings.problems() == []
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "1000")
    monkeypatch.setenv("HRNN_MAX_UNITS", "4096")
    monkeypatch.setenv("HRNN_WORKER_NICE", "19")
    assert settings.problems() == [] and (settings.max_epochs(), settings.max_units()) == (1000, 4096)


def test_the_app_limits_stop_where_a_run_s_settings_do():
    """A served app's limit above what any run may have (`hrnn.train.limits`) would promise what Start refuses."""
    from hrnn.train import limits

    assert (settings.MOST_EPOCHS, settings.MOST_UNITS) == (limits.EPOCHS_MAX, limits.UNITS_MAX)
