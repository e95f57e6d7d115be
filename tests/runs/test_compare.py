"""Comparing runs from their records: the settings that differ, curves against epochs or images, results."""

import math
from dataclasses import fields

from hrnn import runs
from hrnn.runs import compare
from hrnn.train.config import TrainConfig
from hrnn.ui.common.labels import SETTING_LABELS
from hrnn.ui.common.run_names import run_label
from hrnn.ui.evaluate.compare_view import RESULT_LABELS


def record_json(epochs=2, **config):
    """A record as `record.json` holds it."""
    history = [{"epoch": k + 1, "loss": 1.0, "accuracy": 0.5, "val_accuracy": 0.6 + k / 10} for k in range(epochs)]
    return {
        "status": "finished",
        "config": config,
        "data": "x; training on 1,500 images, validation: ...",
        "history": {"epochs": history},
        "samples_seen": 1500 * epochs,
        "train_images": 1500,
    }


def record(epochs=2, top=(), **config):
    """The same, read back as every reader reads it; `top` overrides fields of the record itself."""
    return runs.RunRecord.from_json({**record_json(epochs, **config), **dict(top)})


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


def test_images_per_epoch_as_the_record_counts_them_even_when_a_run_stopped():
    stopped = record(top={"status": "stopped", "samples_seen": 2000})
    assert compare.samples_per_epoch(stopped) == 1500


def test_images_per_epoch_of_a_record_from_before_the_count():
    old = record_json()
    del old["train_images"]  # records written before the count: the samples seen of a finished run, per epoch
    assert compare.samples_per_epoch(runs.RunRecord.from_json(old)) == 1500
    stopped = runs.RunRecord.from_json({**old, "status": "stopped", "samples_seen": 2000, "steps_per_epoch": 7})
    assert compare.samples_per_epoch(stopped) == 7 * 32  # steps x the batch size, never a guess from prose
    bare = runs.RunRecord.from_json({"status": "stopped", "config": {"batch_size": 10}, "steps_per_epoch": 7})
    assert compare.samples_per_epoch(bare) == 70


def test_results_of_a_run():
    r = record(top={"test_accuracy": 0.9, "test_images": 60, "wall_seconds": 3.0, "samples_per_second": 1e3})
    assert compare.results(r) == compare.RunResults(
        arch="hrnn",
        status="finished",
        epochs=2,
        held_out_accuracy=0.7,
        test_accuracy=0.9,
        test_images=60,
        wall_seconds=3.0,
        samples_per_second=1e3,
    )


def test_compare_names_every_result_in_words():
    assert list(RESULT_LABELS) == [f.name for f in fields(compare.RunResults)]


def test_candidates_are_the_shipped_record_then_runs_with_an_epoch(tmp_path):
    shipped = tmp_path / "model.keras"
    runs.atomic_write_json(tmp_path / "model.json", record_json())
    root = tmp_path / "runs"
    runs.atomic_write_json(root / "20250101-000000-aaaa" / runs.RECORD_NAME, record_json(arch="cnn"))
    runs.atomic_write_json(root / "20250102-000000-bbbb" / runs.RECORD_NAME, record_json(epochs=0))  # nothing to draw
    (root / "20250103-000000-cccc").mkdir()
    (root / "20250103-000000-cccc" / runs.RECORD_NAME).write_text("{not json")
    found = compare.candidates(root, shipped, label_of=run_label)
    label = run_label(runs.find_run("20250101-000000-aaaa", root))  # as the model pickers name it
    assert label.startswith("cnn baseline")
    shipped_label = ("pretrained", "Shipped pretrained model")
    assert [(c.key, c.label) for c in found] == [shipped_label, ("20250101-000000-aaaa", label)]
    runs.atomic_write_json(root / "20250101-000000-dddd" / runs.RECORD_NAME, record_json(arch="cnn"))  # the same label
    found = compare.candidates(root, shipped, label_of=run_label)
    assert [c.label for c in found[1:]] == [f"{label} [20250101-000000-dddd]", f"{label} [20250101-000000-aaaa]"]
