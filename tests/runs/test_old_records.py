"""Run folders written before the current record format still read, list and compare.

`fixtures/20261130-000000-old1` was written by hrnn 0.1.0 as it stood before the record gained typed epoch entries
and stored image counts (commit 3819539: `train(...)` with 200 training images, 2 epochs, validation on 40 of 50
held-out images, a test on 60). `fixtures/20261206-000000-old2` is the same run as hrnn wrote it before its summary
kept data instead of words (commit 3cd2da5's `RunSummary.from_record`, on a copy of that record given the demo's
settings and the offline sample's `data` sentence): a preset named "quick demo", `trained_on` a sentence, no
`data_kind` in the record."""

import shutil
from pathlib import Path

from hrnn import runs
from hrnn.nn.model_files import PRETRAINED_PATH
from hrnn.runs import compare
from hrnn.runs.store.old_forms import read_trained_on
from hrnn.train.config import TrainConfig
from hrnn.train.history import EpochEntry
from hrnn.ui.common.resources import ModelChoice, model_choices
from hrnn.ui.common.run_names import run_name
from tests.assets.make_small_model import ASSET as SMALL_MODEL

OLD = Path(__file__).parent / "fixtures" / "20261130-000000-old1"
WORDS = Path(__file__).parent / "fixtures" / "20261206-000000-old2"


def test_an_old_record_reads_with_typed_epochs_and_no_counts(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    record = runs.RunFolder(tmp_path / OLD.name).read_record()
    assert record.status == "finished" and record.config.row_units == 8 and record.test_images == 60
    assert [type(e) for e in record.history.epochs] == [EpochEntry, EpochEntry]
    assert record.history.epochs[1].epoch == 2 and record.history.epochs[1].val_accuracy is not None
    assert record.train_images is None and record.val_images is None  # not counted then: unknown, never guessed


def test_an_old_run_is_listed_and_compared(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    (entry,) = runs.list_runs(tmp_path)
    assert entry.readable and entry.status == "finished" and run_name(entry).startswith("custom HRNN, 2 of 2 epochs")
    record = entry.read_record()
    assert compare.samples_per_epoch(record) == 200  # 400 images seen over 2 finished epochs
    assert compare.curves(record).samples == [200, 400]
    assert compare.results(record).held_out_accuracy == record.history.epochs[-1].val_accuracy


def test_a_new_record_counts_its_images_and_reads_back_the_same(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    folder = runs.RunFolder(tmp_path / OLD.name)
    record = folder.read_record()
    record.train_images, record.val_images = 200, 40
    folder.write_record(record)
    again = folder.read_record()
    assert again == record and compare.samples_per_epoch(again) == 200


def test_a_summary_that_said_its_preset_and_data_in_words_reads_them_as_data(tmp_path):
    shutil.copytree(WORDS, tmp_path / WORDS.name)
    assert "trained_on" in (WORDS / "summary.json").read_text()  # the old form, as it was written
    (entry,) = runs.list_runs(tmp_path)
    assert entry.readable and entry.summary.preset == "demo"
    assert (entry.summary.data_kind, entry.summary.train_images) == ("sample", 200)
    assert run_name(entry) == "quick demo, 2 of 2 epochs, 10.0% test"
    assert entry.read_record().data_kind == "sample"  # from the record's `data` sentence


def test_an_old_run_in_the_model_picker_says_what_it_was_trained_on(tmp_path, monkeypatch):
    folder = tmp_path / WORDS.name
    shutil.copytree(WORDS, folder)
    shutil.copyfile(SMALL_MODEL, folder / runs.MODEL_NAME)
    monkeypatch.setenv("HRNN_RUNS_DIR", str(tmp_path))
    (choice,) = [c for c in model_choices() if c.key == WORDS.name]
    assert isinstance(choice, ModelChoice) and choice.trained_on == "200 training digits of the offline sample"


def test_every_trained_on_sentence_hrnn_wrote_reads_as_its_kind():
    assert read_trained_on("55,000 training digits of full MNIST") == ("full", 55_000)
    assert read_trained_on("4,500 training digits of the offline sample") == ("sample", 4_500)
    assert read_trained_on("the offline sample") == ("sample", None)
    assert read_trained_on("1,500 training digits of MNIST") == ("other", 1_500)
    assert read_trained_on("180 training digits of its data") == ("other", 180)
    assert read_trained_on("") == read_trained_on("[x](http://evil.example)") == ("", None)


def test_the_image_readers_old_name_col_units_reads_as_image_units(tmp_path):
    assert TrainConfig.from_dict({"col_units": 16}).image_units == 16
    assert TrainConfig.from_dict({"col_units": 16, "image_units": 24}).image_units == 24  # the new name first
    shutil.copytree(OLD, tmp_path / OLD.name)
    for name in ("record.json", "summary.json"):  # the fixtures as old hrnn wrote them: col_units 8, not the default
        assert '"col_units": 8' in (OLD / name).read_text()
    (entry,) = runs.list_runs(tmp_path)
    assert entry.summary.image_units == 8 and entry.read_record().config.image_units == 8
    shipped = PRETRAINED_PATH.with_suffix(".json")
    assert '"col_units"' in shipped.read_text()  # the shipped record is of the old form too, and still reads
    assert compare.read_shipped_record(PRETRAINED_PATH).config.image_units == 128


def test_an_old_run_does_not_say_which_lstm_path_trained_it(tmp_path):
    """Records and summaries from before `kernel` (the row reader's path: "native" or "tensorflow") read it as
    unknown."""
    shutil.copytree(OLD, tmp_path / OLD.name)
    (entry,) = runs.list_runs(tmp_path)
    assert entry.read_record().kernel is None and entry.summary.kernel is None


def test_a_summary_keeps_which_lstm_path_trained_the_run(tmp_path):
    shutil.copytree(OLD, tmp_path / OLD.name)
    folder = runs.RunFolder(tmp_path / OLD.name)
    record = folder.read_record()
    record.kernel = "native"
    folder.write_record(record)
    (entry,) = runs.list_runs(tmp_path)
    assert entry.summary.kernel == "native" and entry.read_record().kernel == "native"
