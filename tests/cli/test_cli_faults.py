"""python -m hrnn, cases from the fault suite and a newcomer's report: what `--out` may name, what `evaluate` takes,
how `runs` names runs, the progress bar's last frame, and `--preset`."""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from dataclasses import replace

import pytest

from hrnn import runs, settings
from hrnn.cli import main
from hrnn.cli.train import _progress_line
from hrnn.train.config import TrainConfig, demo_config, fast_config
from hrnn.train.progress import ProgressSnapshot
from tests.support.data import REPO, write_npz
from tests.support.run_files import DAMAGED_RECORDS, DAMAGED_SUMMARIES, HANG_SECONDS, within


@pytest.fixture
def npz(tmp_path, tiny_data):
    return write_npz(tmp_path / "mnist.npz", tiny_data)


def _status(argv):
    """The CLI's exit status for `argv`, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_info:
        return exit_info.code


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("hrnn: error: ") and "Traceback" not in err
    return err


def _tree(folder):
    """Every file and folder under `folder`: relative path -> (bytes, modification time) for a file, None for a
    folder. Equal trees: nothing was created, removed or rewritten."""
    return {
        str(path.relative_to(folder)): None if path.is_dir() else (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def _run_folder(path, status="finished", token="t0ken", model=b"a model"):
    """A run folder as a worker leaves it: settings, record and summary, and (finished) a model."""
    config = TrainConfig(epochs=1, row_units=4, image_units=4)
    folder = runs.RunFolder(path)
    folder.path.mkdir(parents=True)
    run_settings = runs.RunSettings(
        run_id=folder.run_id,
        token=token,
        config=config,
        data="sample",
        created=runs.utc_now(),
        queue=str(path.parent),
        max_runs=1,
    )
    folder.write_settings(run_settings)
    record = runs.RunRecord.queued(run_settings)
    record.status = status
    folder.write_record(record)
    if model is not None:
        folder.model_path.write_bytes(model)
    return folder


# --- train --out: refused before anything is written ---------------------------------------------------------------

LONG_NAME = "a" * 300


@pytest.fixture
def out_target(request, tmp_path):
    """The folder `--out` names: a finished run, a run training now (a fresh heartbeat with its token, its lock held
    as a worker holds it), or a path with a 300-character name."""
    if request.param == "finished-run":
        yield _run_folder(tmp_path / "done").path
    elif request.param == "live-run":
        folder = _run_folder(tmp_path / "live", status="running", model=None)
        folder.write_heartbeat("t0ken")
        fd = os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder.path
        os.close(fd)
    else:
        yield tmp_path / "parent" / LONG_NAME


@pytest.mark.parametrize(
    "out_target, message",
    [
        ("finished-run", "holds a run already (finished); name a new folder"),
        ("live-run", "holds a run that is training now (running); name a new folder"),
        ("long-name", "a name in it is 300 characters long; this file system allows at most {name_max}"),
    ],
    indirect=["out_target"],
)
def test_train_out_is_refused_before_anything_is_written(npz, tmp_path, capsys, out_target, message):
    before = _tree(tmp_path)
    argv = ["train", "--epochs", "1", "--row-units", "4", "--image-units", "4", "--data", str(npz)]
    assert _status([*argv, "--out", str(out_target)]) == 2
    expected = message.format(name_max=os.pathconf(tmp_path, "PC_NAME_MAX"))
    assert _one_line_error(capsys) == f"hrnn: error: --out {out_target}: {expected}"
    assert _tree(tmp_path) == before


# --- evaluate: what it takes ------------------------------------------------------------------------------------


def test_evaluate_without_a_model_says_what_it_takes(capsys):
    assert _status(["evaluate"]) == 2
    error = _one_line_error(capsys)
    for what in ("'pretrained'", ".keras file", "run id", "run folder"):
        assert what in error, error


@pytest.fixture
def trained_run():
    """A finished run in the runs folder with a real (untrained) model."""
    from hrnn.nn.builders import build_hrnn

    folder = _run_folder(settings.runs_dir() / "20260101-000000-abcd", model=None)
    build_hrnn(4, 4).save(folder.model_path)
    return folder


@pytest.mark.parametrize("name", ["run id", "run folder"])
def test_evaluate_takes_a_run_id_or_a_run_folder(trained_run, npz, capsys, name):
    argument = trained_run.run_id if name == "run id" else str(trained_run.path)
    assert main(["evaluate", argument, "--data", str(npz), "--limit", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["count"] == 10 and report["arch"] == "hrnn" and report["model_path"] == str(trained_run.model_path)


def test_evaluate_takes_a_model_downloaded_from_the_app(trained_run, npz, tmp_path, capsys):
    """The app's Download button gives the run's model.keras as `hrnn-<run id>.keras`: out of its run folder, with
    no record beside it, under any name. A file that is no hrnn model, renamed so, is one line."""
    import keras

    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    downloaded = downloads / f"hrnn-{trained_run.run_id}.keras"
    shutil.copyfile(trained_run.model_path, downloaded)  # the button hands the browser the file's bytes
    assert main(["evaluate", str(downloaded), "--data", str(npz), "--limit", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["arch"] == "hrnn" and report["model_path"] == str(downloaded) and report["count"] == 10
    inputs = keras.Input((28, 28, 1))
    keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs))).save(downloads / "other.keras")
    assert _status(["evaluate", str(downloads / "other.keras"), "--data", str(npz)]) == 2
    assert "other.keras: not a known architecture (hrnn, flat-lstm, cnn)" in _one_line_error(capsys)


@pytest.mark.parametrize(
    "argument, message",
    [
        (
            "20260101-000000-none",
            "no run or model file '20260101-000000-none': give 'pretrained' (the shipped model), a .keras file, "
            "a run id or a run folder (`python -m hrnn runs` lists the runs in {root})",
        ),
        ("{root}/20260101-000000-nomodel", "run folder {root}/20260101-000000-nomodel has no model.keras (failed)"),
        ("20260101-000000-nomodel", "run folder {root}/20260101-000000-nomodel has no model.keras (failed)"),
    ],
)
def test_evaluate_refuses_a_run_without_a_model(capsys, argument, message):
    root = settings.runs_dir()
    _run_folder(root / "20260101-000000-nomodel", status="failed", model=None)
    assert main(["evaluate", argument.format(root=root)]) == 2
    assert _one_line_error(capsys) == f"hrnn: error: {message.format(root=root)}"


def test_evaluate_a_missing_run_answers_without_tensorflow(tmp_path):
    """The process boundary is the point: a refused run id must not cost TensorFlow's import."""
    code = (
        "import sys; from hrnn.cli import main; status = main(['evaluate', '20260101-000000-none']); "
        "print(status, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "HRNN_RUNS_DIR": str(tmp_path / "runs")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["2", "False", "False"], proc.stderr  # answered before either was imported
    assert proc.stderr.startswith("hrnn: error: no run or model file '20260101-000000-none'")


# --- runs: each run named in words ------------------------------------------------------------------------------


def test_runs_names_each_run_as_the_app_does(capsys):
    folder = _run_folder(settings.runs_dir() / "20260101-000000-aaaa")
    record = folder.read_record()
    record.test_accuracy = 0.95
    folder.write_record(record)
    assert main(["runs"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "NAME" and line.endswith("  custom HRNN, 0 of 1 epoch, 95.0% test")
    assert main(["runs", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["name"] == "custom HRNN, 0 of 1 epoch, 95.0% test"


# --- the progress bar's last frame -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, seen, shown",
    [("finished", 1000, "100.0% 10/10"), ("finished", 747, "100.0% 10/10"), ("stopped", 400, " 40.0% 4/10")],
)
def test_the_last_frame_shows_how_far_the_run_got(status, seen, shown):
    snap = ProgressSnapshot(
        status=status, phase="done", epoch=1, epochs=1, step=seen // 100, steps_per_epoch=10, samples_seen=seen
    )
    snap.samples_total = 1000
    line = _progress_line(snap)
    assert shown in line
    assert ("stopped" in line) == (status == "stopped")


def test_a_finished_run_ends_its_progress_on_100_percent(npz, tmp_path, capsys):
    argv = ["train", "--epochs", "1", "--batch-size", "4", "--row-units", "4", "--image-units", "4", "--val-size", "20"]
    assert main([*argv, "--data", str(npz), "--out", str(tmp_path / "run")]) == 0
    frames = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch 1/1 [")]
    assert frames and "100.0%" in frames[-1], frames


# --- train --preset ----------------------------------------------------------------------------------------------


def test_train_help_lists_the_presets(capsys):
    assert _status(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--preset {demo,fast,original}" in text
    assert "demo: the quick demo" in text and "original: the original Keras example" in text


@pytest.fixture
def started_config(monkeypatch):
    """The `TrainConfig` of the run that `train` starts (the run itself is not trained)."""
    started = []

    def execute(folder, **kwargs):
        started.append(folder.read_settings().config)
        record = folder.read_record()
        record.status = "finished"
        return record

    monkeypatch.setattr("hrnn.runs.launch.worker.execute", execute)
    return started


AVAILABLE = 180  # tiny_data's 200 training images less a validation split of 10%


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], TrainConfig()),
        (["--preset", "demo"], demo_config(AVAILABLE)),
        (
            ["--preset", "demo", "--epochs", "2", "--learning-rate", "0.01"],
            replace(demo_config(AVAILABLE), epochs=2, learning_rate=0.01),
        ),
        (["--preset", "original", "--epochs", "1", "--optimizer", "adam"], TrainConfig(epochs=1, optimizer="adam")),
        (["--preset", "fast", "--seed", "3"], replace(fast_config(AVAILABLE), seed=3)),
    ],
    ids=["none", "demo", "demo-with-flags", "original-with-flags", "fast"],
)
def test_a_preset_sets_the_config_and_flags_override_it(npz, tmp_path, started_config, argv, expected):
    assert main(["train", *argv, "--data", str(npz), "--out", str(tmp_path / "run")]) == 0
    (config,) = started_config
    assert config == expected


# --- damaged run files: nested too deeply, never ending (tests/support/run_files.py) -----------------------


def _damaged_run(damage, name):
    folder = _run_folder(settings.runs_dir() / "20260101-000000-dead", status="running")
    if name == runs.RECORD_NAME:
        folder.file(runs.SUMMARY_NAME).unlink()  # a run from before summaries: its record is what is listed
    damage(folder)
    return folder


@pytest.mark.parametrize("damage, name", DAMAGED_SUMMARIES + DAMAGED_RECORDS)
def test_runs_lists_a_damaged_run_as_unreadable(capsys, damage, name):
    folder = _damaged_run(damage, name)
    assert within(HANG_SECONDS, lambda: _status(["runs"])) == 0
    out, err = capsys.readouterr()
    (line,) = [line for line in out.splitlines() if line.startswith(folder.run_id)]
    assert f"unreadable: {name}" in line and not err, (out, err)


@pytest.mark.parametrize("damage, name", DAMAGED_SUMMARIES)
def test_stop_refuses_a_damaged_run_in_one_line(capsys, damage, name):
    folder = _damaged_run(damage, name)
    assert within(HANG_SECONDS, lambda: _status(["stop", folder.run_id])) == 2
    error = _one_line_error(capsys)
    assert f"unreadable: {name}" in error and "memory" not in error, error


@pytest.mark.parametrize("damage, name", DAMAGED_RECORDS)
def test_evaluate_on_a_run_with_a_damaged_record_answers_in_one_line(capsys, damage, name):
    folder = _run_folder(settings.runs_dir() / "20260101-000000-dead")  # its model is no model: one line, status 2
    damage(folder)
    assert within(HANG_SECONDS * 3, lambda: _status(["evaluate", folder.run_id])) == 2
    assert "model.keras" in _one_line_error(capsys)


# --- HRNN_* variables: checked once, at start ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [("HRNN_MAX_RUNS", "1e3"), ("HRNN_MAX_RUNS", "²"), ("HRNN_WORKER_NICE", "20"), ("HRNN_MAX_EPOCHS", "9" * 30)],
)
def test_a_bad_hrnn_variable_is_one_line_naming_it(monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    assert _status(["runs"]) == 2
    assert _one_line_error(capsys).startswith(f"hrnn: error: {name} must be ")


# --- minor faults: what evaluate prints, what --out may name, a data file's name -----------------------------------


def _with_classifier_of(model_path, out_path, units):
    """A copy of the .keras file at `model_path` whose config gives its classifier `units` outputs: its weights no
    longer fit."""

    def change(value, inside=False):
        if isinstance(value, dict):
            inside = inside or value.get("name") == "classifier"
            return {k: units if inside and k == "units" else change(v, inside) for k, v in value.items()}
        return [change(v, inside) for v in value] if isinstance(value, list) else value

    with zipfile.ZipFile(model_path) as source, zipfile.ZipFile(out_path, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                data = json.dumps(change(json.loads(data))).encode()
            copy.writestr(item, data)
    return out_path


def test_evaluate_a_model_whose_weights_do_not_fit_is_one_line_without_keras_warnings(trained_run, tmp_path, capsys):
    bad = _with_classifier_of(trained_run.model_path, tmp_path / "misfit.keras", 11)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        assert _status(["evaluate", str(bad)]) == 2
    assert [str(w.message) for w in shown if issubclass(w.category, UserWarning)] == []  # with a site-packages path
    assert "misfit.keras: could not be loaded as a Keras model" in _one_line_error(capsys)


def test_train_out_is_refused_when_it_names_the_runs_folder_itself(npz, capsys):
    root = settings.runs_dir()
    root.mkdir(parents=True)
    argv = ["train", "--epochs", "1", "--row-units", "4", "--image-units", "4", "--data", str(npz), "--out", str(root)]
    assert _status(argv) == 2
    assert _one_line_error(capsys).startswith(f"hrnn: error: --out {root}: is the runs folder itself")
    assert list(root.iterdir()) == []


@pytest.mark.parametrize("name", ["mni\nst.npz", "mnist\r.npz", "mn\x1bist.npz"])
def test_a_data_file_name_with_a_line_break_is_shown_escaped_in_one_line(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(b"not an npz")
    argv = ["train", "--epochs", "1", "--row-units", "4", "--image-units", "4", "--data", str(path)]
    assert _status(argv) == 2
    assert repr(name)[1:-1] + ": not an .npz file" in _one_line_error(capsys)
