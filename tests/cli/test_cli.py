"""python -m hrnn: train, evaluate, and one-line errors for bad input."""

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from hrnn import runs, settings
from hrnn.cli import build_parser, main
from hrnn.cli.train import _train_config
from hrnn.nn.builders import build_hrnn
from hrnn.nn.model_files import load_model
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.train.config import DEMO, with_overrides
from tests.support.data import REPO, make_mnist, write_npz
from tests.support.waiting import wait_until


@pytest.fixture
def npz(tmp_path, tiny_data):
    return write_npz(tmp_path / "mnist.npz", tiny_data)


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("hrnn: error: ")
    return err


def test_train_writes_model_and_record(npz, tmp_path, capsys):
    out = tmp_path / "run"
    status = main(
        [
            "train",
            "--epochs",
            "1",
            "--row-units",
            "8",
            "--image-units",
            "8",
            "--val-size",
            "20",
            "--data",
            str(npz),
            "--out",
            str(out),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert "epoch 1: loss" in text and "test accuracy" in text
    record = json.loads((out / runs.RECORD_NAME).read_text())
    assert record["status"] == "finished" and record["config"]["row_units"] == 8
    assert load_model(out / runs.MODEL_NAME).count_params() == build_hrnn(8, 8).count_params()


def test_the_old_col_units_flag_is_an_alias_of_image_units():
    for flag in ("--image-units", "--col-units"):
        args = build_parser().parse_args(["train", flag, "16"])
        assert _train_config(args).image_units == 16 and not hasattr(args, "col_units")


def test_set_takes_the_old_name_col_units_as_image_units():
    assert with_overrides(DEMO, ["col_units=16"]).image_units == 16
    assert with_overrides(DEMO, ["col-units=24", "row_units=8"]).image_units == 24
    with pytest.raises(ValueError, match="^image-units must be at most 4,096"):
        with_overrides(DEMO, ["col_units=5000"])


@pytest.mark.parametrize("arch, model_name", [("flat-lstm", "flat_lstm"), ("cnn", "cnn")])
def test_train_a_baseline_records_its_arch_and_evaluate_reads_it(npz, tmp_path, capsys, arch, model_name):
    out = tmp_path / arch
    argv = ["train", "--arch", arch, "--epochs", "1", "--image-units", "8", "--val-size", "20"]
    assert main([*argv, "--data", str(npz), "--out", str(out)]) == 0
    assert f"architecture: {arch}" in capsys.readouterr().out
    assert json.loads((out / runs.RECORD_NAME).read_text())["config"]["arch"] == arch
    assert load_model(out / runs.MODEL_NAME).name == model_name
    assert main(["evaluate", str(out / runs.MODEL_NAME), "--data", str(npz), "--shifted", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["arch"] == arch and report["count"] == 60 and 0 <= report["shifted"]["accuracy"] <= 1


def test_evaluate_refuses_a_model_file_its_record_disowns(npz, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    build_hrnn(4, 4).save(out / runs.MODEL_NAME)
    runs.atomic_write_json(out / runs.RECORD_NAME, {"config": {"arch": "cnn"}})
    error = _refused(["evaluate", str(out / runs.MODEL_NAME), "--data", str(npz)], capsys)
    assert error == f"hrnn: error: {out / runs.MODEL_NAME}: holds an hrnn model, but its run record says cnn"


def test_an_unknown_arch_is_refused(npz, capsys):
    error = _refused(["train", "--arch", "resnet", "--data", str(npz)], capsys)
    assert error.startswith("hrnn: error: argument --arch: invalid choice: 'resnet'")


def test_train_defaults_to_a_new_folder_in_the_runs_dir(npz, capsys):
    status = main(
        ["train", "--epochs", "1", "--row-units", "4", "--image-units", "4", "--train-size", "64", "--data", str(npz)]
    )
    assert status == 0
    (run,) = runs.list_runs()
    assert run.status == "finished" and run.has_model


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--epochs", "-1"], "argument --epochs: epochs must be a positive integer, got -1"),
        (["train", "--epochs", "two"], "argument --epochs: epochs must be a positive integer, got 'two'"),
        (["train", "--optimizer", "adagrad"], "argument --optimizer: invalid choice: 'adagrad'"),
        (
            ["train", "--learning-rate", "0"],
            "argument --learning-rate: learning-rate must be a number between 0 and 10, got 0.0",
        ),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in _one_line_error(capsys)


def test_missing_data_file_is_one_line(tmp_path, capsys):
    assert main(["train", "--epochs", "1", "--data", str(tmp_path / "nope.npz")]) == 2
    assert "nope.npz: no such file" in _one_line_error(capsys)


def test_train_size_too_large_is_one_line(npz, capsys):
    assert main(["train", "--train-size", "100000", "--data", str(npz)]) == 2
    assert "train-size 100,000 is more than" in _one_line_error(capsys)


def test_evaluate_a_file_that_is_not_a_model(tmp_path, npz, capsys):
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK not really")
    assert main(["evaluate", str(path), "--data", str(npz)]) == 2
    assert "model.keras: not a Keras model file" in _one_line_error(capsys)


def test_evaluate_a_model_with_the_wrong_input_shape(tmp_path, npz, capsys):
    import keras

    inputs = keras.Input((16, 16, 1))
    path = tmp_path / "small.keras"
    keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs))).save(path)
    assert main(["evaluate", str(path), "--data", str(npz)]) == 2
    assert "takes inputs of shape (None, 16, 16, 1)" in _one_line_error(capsys)


@pytest.fixture
def always_three(tmp_path):
    """A model that predicts 3 for every image with probability ~1: its scores are known in advance."""
    model = build_hrnn(4, 4)
    classifier = model.get_layer("classifier")
    kernel, bias = classifier.get_weights()
    bias[:] = 0.0
    bias[3] = 30.0
    classifier.set_weights([np.zeros_like(kernel), bias])
    path = tmp_path / "three.keras"
    model.save(path)
    return path


def test_evaluate_reports_known_scores_as_json(always_three, npz, tiny_data, capsys):
    assert main(["evaluate", str(always_three), "--data", str(npz), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    labels = tiny_data.y_test
    assert report["count"] == len(labels)
    assert report["accuracy"] == pytest.approx(np.mean(labels == 3))
    confusion = np.array(report["confusion"])
    np.testing.assert_array_equal(confusion[:, 3], np.bincount(labels, minlength=10))
    assert confusion.sum() == len(labels) and confusion[:, [0, 1, 2, 4, 5, 6, 7, 8, 9]].sum() == 0
    assert report["per_class_accuracy"][3] == 1.0 and report["per_class_accuracy"][0] == 0.0


def test_evaluate_text_report(always_three, npz, capsys):
    assert main(["evaluate", str(always_three), "--data", str(npz), "--limit", "20"]) == 0
    text = capsys.readouterr().out
    assert "test images: 20" in text and "test accuracy:" in text
    assert "confusion matrix (rows: true digit, columns: predicted):" in text


BATCHES_AFTER_CTRL_C = 3  # the batch under way when the signal lands, and slack: the run stops within a few


def test_ctrl_c_stops_after_the_current_batch_and_saves(tmp_path):
    data = make_mnist(n_train=3000, n_test=20)
    npz_path = write_npz(tmp_path / "mnist.npz", data)
    out = tmp_path / "run"
    log_path = tmp_path / "train.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    progress = ProgressLogReader(out / runs.PROGRESS_NAME)

    def batches_done():  # the run's global step, from its progress log (one flushed line per batch)
        steps = progress.snapshot().batch_steps
        return steps[-1] if steps else 0

    with open(log_path, "w") as log:  # a file, not a pipe: nothing blocks on output nobody reads yet
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hrnn",
                "train",
                "--epochs",
                "50",
                "--row-units",
                "8",
                "--image-units",
                "8",
                "--data",
                str(npz_path),
                "--out",
                str(out),
            ],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        # Training has really started: batches are ending (not just the record written, before TensorFlow loads).
        assert wait_until(lambda: batches_done() >= 2 or proc.poll() is not None, 240), "no batch in 240 s"
        assert proc.poll() is None, log_path.read_text()
        proc.send_signal(signal.SIGINT)
        at_signal = batches_done()  # read after sending: at least the batches that had ended when it landed
        # The run stops after the batch under way: it must end within a few batches, however slow they are.
        stopped = wait_until(lambda: proc.poll() is not None or batches_done() > at_signal + BATCHES_AFTER_CTRL_C, 120)
        ran_on = batches_done() - at_signal
        assert proc.poll() is not None, (
            f"still training {ran_on} batches after Ctrl-C" if stopped else "no exit within 120 s of Ctrl-C"
        )
    finally:
        proc.kill()
        proc.wait(timeout=60)
    output = log_path.read_text()
    assert proc.returncode == 130, output
    assert "stopping after the current batch" in output
    record = json.loads((out / runs.RECORD_NAME).read_text())
    assert record["status"] == "stopped"
    steps = record["history"]["batches"]["step"]
    print(f"\nCtrl-C after batch {at_signal}; the run stopped after batch {steps[-1]}")
    assert at_signal <= steps[-1] <= at_signal + BATCHES_AFTER_CTRL_C
    assert len(steps) == steps[-1]  # every batch up to the stop is in the record
    load_model(out / runs.MODEL_NAME)


# --- bad input: one line, exit 2, nothing written ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quiet_hrnn_logger():
    """`--verbose` turns the hrnn logger to DEBUG for the process; put it back after each test."""
    logger = logging.getLogger("hrnn")
    level = logger.level
    yield
    logger.setLevel(level)


def _runs_dir_entries():
    root = settings.runs_dir()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _refused(argv, capsys):
    """Run the CLI; assert exit 2 with one `hrnn: error:` line on stderr and no run folder; return the line."""
    try:
        status = main(argv)
    except SystemExit as exit_info:  # argparse's own refusals
        status = exit_info.code
    assert status == 2
    assert _runs_dir_entries() == []
    return _one_line_error(capsys)


@pytest.mark.parametrize("classes, problem", [(5, "it gives 5 classes, expected 10"), (10, "it is named 'sequential")])
def test_evaluate_a_model_of_no_known_architecture(tmp_path, npz, capsys, classes, problem):
    import keras

    path = tmp_path / f"d{classes}.keras"
    keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(classes, activation="softmax")]
    ).save(path)
    error = _refused(["evaluate", str(path), "--data", str(npz), "--limit", "100"], capsys)
    assert error.startswith(f"hrnn: error: {path}: not a known architecture (hrnn, flat-lstm, cnn): {problem}")


@pytest.mark.parametrize("seed, shown", [("-5", "-5"), (str(2**66), f"{2**66:,}"), ("1.5", "'1.5'")])
def test_a_seed_out_of_range_is_refused_naming_seed(npz, capsys, seed, shown):
    error = _refused(["train", "--seed", seed, "--data", str(npz)], capsys)
    assert error == f"hrnn: error: argument --seed: seed must be an integer from 0 to 4,294,967,295, got {shown}"


def test_train_size_too_large_leaves_no_run_folder(npz, capsys):
    error = _refused(["train", "--train-size", "100000", "--data", str(npz)], capsys)
    assert (
        error
        == "hrnn: error: train-size 100,000 is more than the 180 training images available with --validation split"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "5000"], "epochs must be at most 1,000"),
        (["--batch-size", "70000"], "batch-size must be at most 60,000"),
        (["--image-units", "5000", "--row-units", "1"], "image-units must be at most 4,096"),
    ],
)
def test_sizes_over_their_bounds_are_refused(npz, capsys, monkeypatch, argv, message):
    monkeypatch.setattr("hrnn.train.limits.available_memory_bytes", lambda: 64 * 2**30)
    assert message in _refused(["train", *argv, "--data", str(npz)], capsys)


def test_huge_units_are_refused_up_front_with_the_memory_they_need(npz, capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("nothing may be built or loaded for a refused size")

    monkeypatch.setattr("hrnn.nn.builders.build_hrnn", never)
    monkeypatch.setattr("hrnn.data.mnist.load_mnist", never)
    monkeypatch.setattr("hrnn.train.limits.available_memory_bytes", lambda: 16 * 2**30)
    error = _refused(["train", "--row-units", "100000000", "--data", str(npz)], capsys)
    assert not settings.runs_dir().exists() or not any(settings.runs_dir().iterdir())  # no run folder was made
    assert error == (
        "hrnn: error: argument --row-units: row-units must be at most 4,096 (32 times the original's 128, days per "
        "epoch on a CPU), "
        "got 100,000,000"
    )
    error = _refused(["train", "--row-units", "4096", "--batch-size", "60000", "--data", str(npz)], capsys)
    assert error.startswith("hrnn: error: row-units 4,096, image-units 128 and batch-size 60,000 would need about ")
    assert error.endswith("of memory to train; this machine has 17.2 GB free. Choose smaller sizes")


def test_out_on_an_existing_file_is_refused(npz, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    error = _refused(["train", "--out", str(target), "--data", str(npz)], capsys)
    assert error == f"hrnn: error: --out {target}: exists and is not a folder"
    assert target.read_text() == "not a folder"


def test_out_inside_a_file_is_refused(npz, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    error = _refused(["train", "--out", str(target / "run"), "--data", str(npz)], capsys)
    assert error == f"hrnn: error: --out {target / 'run'}: {target} is a file, not a folder"


def test_out_in_a_read_only_folder_is_refused(npz, tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # The tests run as root, for whom every folder is writable: simulate a read-only one.
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    error = _refused(["train", "--out", str(locked / "run"), "--data", str(npz)], capsys)
    assert error == f"hrnn: error: --out {locked / 'run'}: {locked} is not writable"
    assert list(locked.iterdir()) == []


def test_out_where_nothing_can_be_written_is_refused(npz, tmp_path, capsys, monkeypatch):
    def read_only_file_system(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only_file_system)
    error = _refused(["train", "--out", str(tmp_path / "run"), "--data", str(npz)], capsys)
    assert error == f"hrnn: error: --out {tmp_path / 'run'}: cannot write in {tmp_path} (Read-only file system)"
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="no /proc on this system")
def test_out_in_proc_is_refused(npz, capsys):
    error = _refused(["train", "--out", "/proc/hrnn-run", "--data", str(npz)], capsys)
    assert error.startswith("hrnn: error: --out /proc/hrnn-run: cannot write in /proc (")


def test_the_default_runs_folder_is_checked_too(npz, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("HRNN_RUNS_DIR", str(blocker / "runs"))
    error = _refused(["train", "--data", str(npz)], capsys)
    assert error.startswith(f"hrnn: error: runs folder {blocker / 'runs'}/") and f"{blocker} is a file" in error


def test_the_runs_folder_disk_cap_refuses_a_new_run(npz, capsys, monkeypatch):
    root = settings.runs_dir()
    (root / "old-run").mkdir(parents=True)
    (root / "old-run" / "model.keras").write_bytes(bytes(2_000_000))
    monkeypatch.setenv("HRNN_RUNS_DISK_MB", "1")
    assert main(["train", "--epochs", "1", "--data", str(npz)]) == 2
    assert _runs_dir_entries() == ["old-run"]
    error = _one_line_error(capsys)
    assert error == (
        "hrnn: error: the runs folder holds 2.0 MB, over its 1 MB cap (HRNN_RUNS_DISK_MB): "
        f"delete old runs in {root} or raise the cap"
    )


def test_an_unreadable_data_folder_is_one_line(tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_is_dir = Path.is_dir

    def is_dir(self):
        if str(self).startswith(str(locked)):
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    error = _refused(["evaluate", "pretrained", "--data", str(locked / "mnist")], capsys)
    assert error.startswith(f"hrnn: error: {locked / 'mnist'}: permission denied")


def test_random_bytes_named_npz_are_one_line(tmp_path, capsys):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(3000))
    error = _refused(["evaluate", "pretrained", "--data", str(path)], capsys)
    assert error.startswith(f"hrnn: error: {path}: not an .npz file") and "pickle" not in error


def test_verbose_logs_the_traceback_and_the_error_stays_one_line(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="hrnn")
    missing = tmp_path / "absent.keras"
    assert main(["evaluate", str(missing), "--verbose"]) == 2
    assert _one_line_error(capsys) == f"hrnn: error: {missing}: no such model file"
    (logged,) = [r for r in caplog.records if r.exc_info]
    assert logged.levelname == "DEBUG" and logged.exc_info[0].__name__ == "ModelFileError"


def test_without_verbose_no_traceback_is_logged(tmp_path, capsys, caplog):
    assert main(["evaluate", str(tmp_path / "absent.keras")]) == 2
    assert not [r for r in caplog.records if r.exc_info]


def test_verbose_may_come_before_the_command():
    assert build_parser().parse_args(["--verbose", "evaluate", "m.keras"]).verbose is True
    assert build_parser().parse_args(["evaluate", "m.keras", "-v"]).verbose is True
    assert build_parser().parse_args(["evaluate", "m.keras"]).verbose is False


def test_an_unexpected_error_is_one_line_with_status_1(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("something broke\nwith details on a second line")

    monkeypatch.setattr("hrnn.cli.cmd_evaluate", broken)
    assert main(["evaluate", "pretrained"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "hrnn: error: RuntimeError: something broke (--verbose shows the traceback)"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--quick", "--steps", "1"], "--steps must be from 11 to 1,875 with --quick"),
        (["--steps", "20"], "--steps must be from 21 to 1,875 (a warm-up"),
        (["--steps", "5000"], "--steps must be from 21 to 1,875"),
        (["--json-out", "{tmp}"], "--json-out {tmp}: is a folder; name a file"),
        (["--json-out", "{tmp}/absent/b.json"], "--json-out {tmp}/absent/b.json: no folder {tmp}/absent"),
    ],
)
def test_bench_arguments_are_checked_before_it_runs(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.setattr(
        "hrnn.bench.training.run_benchmark", lambda **kwargs: pytest.fail("the benchmark must not start")
    )
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["bench", *argv]) == 2
    assert message.replace("{tmp}", str(tmp_path)) in _one_line_error(capsys)


def test_bench_json_out_in_a_read_only_folder_is_refused_before_it_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        "hrnn.bench.training.run_benchmark", lambda **kwargs: pytest.fail("the benchmark must not start")
    )
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == tmp_path else real_access(path, mode))
    assert main(["bench", "--json-out", str(tmp_path / "b.json")]) == 2
    assert _one_line_error(capsys) == f"hrnn: error: --json-out folder {tmp_path}: {tmp_path} is not writable"


def test_bench_with_good_arguments_reaches_the_benchmark(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("hrnn.bench.training.run_benchmark", lambda **kwargs: calls.append(kwargs))
    assert main(["bench", "--quick", "--steps", "11", "--json-out", str(tmp_path / "b.json")]) == 0
    ((kwargs),) = calls
    assert {k: kwargs[k] for k in ("quick", "steps", "json_out")} == {
        "quick": True,
        "steps": 11,
        "json_out": str(tmp_path / "b.json"),
    }


def test_a_refused_out_prints_no_traceback_on_the_terminal(tmp_path):
    """The issue's case end to end, in a real process: two tracebacks used to come before `hrnn: error:`."""
    target = tmp_path / "taken"
    target.write_text("")
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run(
        [sys.executable, "-m", "hrnn", "train", "--out", str(target), "--data", str(tmp_path / "none.npz")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # TensorFlow's C++ start-up banner (absl logging, before Python runs our code) is not ours.
    ours = [line for line in proc.stderr.splitlines() if not line.startswith(("I0000", "WARNING: All log messages"))]
    assert proc.returncode == 2
    assert ours == [f"hrnn: error: --out {target}: exists and is not a folder"]


# --- runs and stop -------------------------------------------------------------------------------------------------


def _run_folder(run_id, status="finished", token="", **fields):
    from hrnn.train.config import TrainConfig

    record = runs.RunRecord(status=status, run_id=run_id, config=TrainConfig(epochs=3, row_units=8), token=token)
    record.created = runs.utc_now()
    for key, value in fields.items():
        setattr(record, key, value)
    folder = runs.RunFolder(settings.runs_dir() / run_id)
    folder.path.mkdir(parents=True)
    folder.write_record(record)
    return folder


def test_runs_lists_the_runs_folder_with_unreadable_runs_marked(capsys):
    _run_folder("20260101-000000-aaaa", test_accuracy=0.9312, kernel="native")
    bad = settings.runs_dir() / "20260102-000000-bbbb"
    bad.mkdir()
    (bad / runs.RECORD_NAME).write_text('{"status": ["running"]}')
    assert main(["runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["RUN", "STATUS", "EPOCHS", "VAL", "ACC", "TEST", "ACC", "MODEL", "NAME"]
    assert lines[1] == "20260102-000000-bbbb  unreadable: record.json: status: expected a string, got ['running']"
    assert lines[2].split()[:6] == ["20260101-000000-aaaa", "finished", "0/3", "-", "0.9312", "no"]
    assert lines[2].endswith("  custom HRNN, 0 of 3 epochs, 93.1% test")
    assert main(["runs", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["run_id"], r["status"][:10], r["test_accuracy"], r["model"], r["kernel"]) for r in listed] == [
        ("20260102-000000-bbbb", "unreadable", None, False, None),
        ("20260101-000000-aaaa", "finished", 0.9312, False, "native"),  # which LSTM path trained it
    ]


def test_runs_on_an_empty_runs_folder(capsys):
    assert main(["runs"]) == 0
    assert capsys.readouterr().out.startswith("no runs in ")


def test_stop_asks_a_live_run_to_stop(capsys):
    import fcntl

    folder = _run_folder("20260101-000000-live", status="running", token="t")
    folder.write_heartbeat("t")
    fd = os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a worker holds its run's lock while it lives
    try:
        assert main(["stop", folder.run_id]) == 0
    finally:
        os.close(fd)
    assert "it stops after its current batch" in capsys.readouterr().out
    assert folder.stop_requested


@pytest.mark.parametrize(
    "run_id, message",
    [
        ("20260101-000000-done", "run 20260101-000000-done is not training (finished)"),
        ("nope", "no run 'nope' in "),
        ("../etc", "no run '../etc' in "),
    ],
)
def test_stop_refuses_runs_that_are_not_training(run_id, message, capsys):
    _run_folder("20260101-000000-done")
    assert main(["stop", run_id]) == 2
    assert message in _one_line_error(capsys)
    assert not runs.RunFolder(settings.runs_dir() / "20260101-000000-done").stop_requested


def test_runs_and_stop_do_not_load_keras():
    code = "import sys; from hrnn.cli import main; main(['runs']); print('keras' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().endswith("False"), out.stderr


def _cli_output(args, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "hrnn", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    return proc, proc.stdout + proc.stderr


def test_help_prints_no_tensorflow_lines(tmp_path):
    proc, output = _cli_output(["--help"], tmp_path)
    assert proc.returncode == 0 and "train" in output
    assert not [line for line in output.splitlines() if "oneDNN" in line or "absl" in line]
    assert "tensorflow" not in output.lower()


def test_commands_print_no_tensorflow_start_up_lines(tmp_path, tiny_data):
    path = write_npz(tmp_path / "mnist.npz", tiny_data)
    proc, output = _cli_output(["evaluate", "pretrained", "--data", str(path), "--limit", "10"], tmp_path)
    assert proc.returncode == 0, output
    assert not [line for line in output.splitlines() if "oneDNN" in line or "absl" in line or "I0000" in line]
