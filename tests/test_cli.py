"""python -m hrnn: train, evaluate, and one-line errors for bad input."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from hrnn import runs
from hrnn.cli import main
from hrnn.model import build_hrnn, load_model
from tests.conftest import REPO, make_mnist, write_npz


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
            "--col-units",
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


def test_train_defaults_to_a_new_folder_in_the_runs_dir(npz, capsys):
    status = main(
        ["train", "--epochs", "1", "--row-units", "4", "--col-units", "4", "--train-size", "64", "--data", str(npz)]
    )
    assert status == 0
    (run,) = runs.list_runs()
    assert run.status == "finished" and run.has_model


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--epochs", "-1"], "argument --epochs: expected a positive integer, got '-1'"),
        (["train", "--epochs", "two"], "expected a positive integer, got 'two'"),
        (["train", "--optimizer", "adagrad"], "argument --optimizer: invalid choice: 'adagrad'"),
        (["train", "--learning-rate", "0"], "expected a positive number, got '0'"),
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


def test_ctrl_c_stops_after_the_current_batch_and_saves(tmp_path):
    data = make_mnist(n_train=3000, n_test=20)
    npz_path = write_npz(tmp_path / "mnist.npz", data)
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
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
            "--col-units",
            "8",
            "--data",
            str(npz_path),
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (out / runs.RECORD_NAME).is_file():
            time.sleep(0.5)
        time.sleep(3)  # let some batches run
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, output
    assert "stopping after the current batch" in output
    record = json.loads((out / runs.RECORD_NAME).read_text())
    assert record["status"] == "stopped"
    assert len(record["history"]["batches"]["loss"]) >= 1
    load_model(out / runs.MODEL_NAME)
