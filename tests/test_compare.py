"""Comparing runs from their records: the settings that differ, curves against epochs or images, results."""

import math
from dataclasses import fields

from hrnn import compare, runs
from hrnn.config import SETTING_LABELS, TrainConfig


def record(epochs=2, **config):
    history = [{"epoch": k + 1, "loss": 1.0, "accuracy": 0.5, "val_accuracy": 0.6 + k / 10} for k in range(epochs)]
    return {
        "status": "finished",
        "config": config,
        "data": "x; training on 1,500 images, validation: ...",
        "history": {"epochs": history},
        "samples_seen": 1500 * epochs,
    }


def test_only_differing_settings_are_listed_with_defaults_for_missing_ones():
    a = record(arch="cnn", learning_rate=1e-3, val_limit=1000)
    b = record(learning_rate=2e-3, val_limit=500)  # no arch: an HRNN, as before architectures were recorded
    assert compare.differing_settings([a, b]) == [("arch", ["cnn", "hrnn"]), ("learning_rate", [1e-3, 2e-3])]
    assert compare.differing_settings([a, a]) == []


def test_every_setting_has_a_name_in_words_for_the_tables_that_list_settings():
    assert list(SETTING_LABELS) == [f.name for f in fields(TrainConfig)]
    assert len(set(SETTING_LABELS.values())) == len(SETTING_LABELS)


def test_curves_against_epochs_and_images_seen():
    c = compare.curves(record(epochs=3))
    assert c.epoch == [1, 2, 3] and c.samples == [1500, 3000, 4500]
    assert c.val_accuracy == [0.6, 0.7, 0.8] and all(math.isnan(v) for v in c.val_loss)


def test_images_per_epoch_from_the_data_description_when_a_run_stopped():
    stopped = {**record(), "status": "stopped", "samples_seen": 2000}
    assert compare.samples_per_epoch(stopped) == 1500
    assert compare.samples_per_epoch({"config": {"batch_size": 10}, "steps_per_epoch": 7, "history": {}}) == 70


def test_results_of_a_run():
    r = {**record(), "test_accuracy": 0.9, "test_images": 60, "wall_seconds": 3.0, "samples_per_second": 1e3}
    assert compare.results(r) == {
        "arch": "hrnn",
        "status": "finished",
        "epochs": 2,
        "held-out accuracy": 0.7,
        "test accuracy": 0.9,
        "test images": 60,
        "wall time, s": 3.0,
        "samples/s": 1e3,
    }


def test_candidates_are_the_shipped_record_then_runs_with_an_epoch(tmp_path):
    shipped = tmp_path / "model.keras"
    runs.atomic_write_json(tmp_path / "model.json", record(row_units=128))
    root = tmp_path / "runs"
    runs.atomic_write_json(root / "20250101-000000-aaaa" / runs.RECORD_NAME, record(arch="cnn"))
    runs.atomic_write_json(root / "20250102-000000-bbbb" / runs.RECORD_NAME, record(epochs=0))  # nothing to draw
    (root / "20250103-000000-cccc").mkdir()
    (root / "20250103-000000-cccc" / runs.RECORD_NAME).write_text("{not json")
    found = compare.candidates(root, shipped)
    label = runs.find_run("20250101-000000-aaaa", root).label()  # as the model pickers name it
    assert label.startswith("cnn baseline")
    shipped_label = ("pretrained", "Shipped pretrained model")
    assert [(c.key, c.label) for c in found] == [shipped_label, ("20250101-000000-aaaa", label)]
    runs.atomic_write_json(root / "20250101-000000-dddd" / runs.RECORD_NAME, record(arch="cnn"))  # the same label
    found = compare.candidates(root, shipped)
    assert [c.label for c in found[1:]] == [f"{label} [20250101-000000-dddd]", f"{label} [20250101-000000-aaaa]"]
