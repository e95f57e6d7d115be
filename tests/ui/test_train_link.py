"""A Train page link's settings: read within the page's bounds, written back as the preset and what differs from it,
and trained twice from the same link with the same seed: the same batch losses."""

from dataclasses import replace

import pytest

from hrnn.train.loop import train
from hrnn.train.pool import ModelPool
from hrnn.ui.train.link import preset_values, replay_from_link, settings_from_link
from hrnn.ui.train.settings import config_from_values

N_TRAIN, MAX_EPOCHS, MAX_UNITS = 180, 20, 256  # the synthetic data's training images (after validation); limits
LINK = {"epochs": "1", "row_units": "8", "image_units": "8", "train_size": "96", "seed": "7", "learning_rate": "0.003"}


def _read(link):
    return settings_from_link(link, N_TRAIN, MAX_EPOCHS, MAX_UNITS)


def test_a_link_names_a_preset_and_what_differs_from_it():
    values, teacher, reasons = _read({"preset": "original", "epochs": "2", "clipnorm": "none", "teacher": "1"})
    assert not reasons and teacher
    assert values == {**preset_values("original", N_TRAIN, MAX_EPOCHS, MAX_UNITS), "epochs": 2, "clipnorm": 0.0}
    values, teacher, reasons = _read({})
    assert values == preset_values("demo", N_TRAIN, MAX_EPOCHS, MAX_UNITS) and not teacher and not reasons


def test_an_old_links_col_units_sets_the_image_reader_size():
    values, _, reasons = _read({"col_units": "16"})
    assert not reasons and values == {**preset_values("demo", N_TRAIN, MAX_EPOCHS, MAX_UNITS), "image_units": 16}
    values, _, reasons = _read({"col_units": "16", "image_units": "24"})
    assert not reasons and values["image_units"] == 24  # the new name first
    _, _, reasons = _read({"col_units": "100000"})
    assert reasons == ["image_units is 1 to 256 here, got '100000'"]


@pytest.mark.parametrize(
    "link, reason",
    [
        ({"epochs": "9" * 40}, "epochs is 1 to 20 here, got '99999999999999999999'"),
        ({"row_units": "100000"}, "row_units is 1 to 256 here"),
        ({"learning_rate": "nan"}, "learning_rate is 1e-06 to 1 here, got 'nan'"),
        ({"learning_rate": "1e999"}, "learning_rate is 1e-06 to 1 here"),
        (
            {"optimizer": "[x](http://evil.example)"},
            "optimizer must be one of rmsprop, adam, sgd, adamw, nadam, got '[x](http://evil.example)'",
        ),
        ({"batch_size": "../../etc/passwd"}, "batch_size is 1 to 4,096 here, got '../../etc/passwd'"),
        ({"preset": "cheat"}, "preset must be one of demo, fast, original, got 'cheat'"),
        ({"teacher": "yes"}, "teacher must be one of 1, 0, got 'yes'"),
    ],
)
def test_a_bad_value_is_left_at_the_presets_with_a_reason(link, reason):
    values, _, reasons = _read(link)
    assert values == preset_values("demo", N_TRAIN, MAX_EPOCHS, MAX_UNITS)
    assert len(reasons) == 1 and reasons[0].startswith(reason), reasons


def test_the_same_link_trains_the_same_batch_losses_twice(tiny_data):
    values, _, reasons = _read(LINK)
    assert not reasons
    config = config_from_values(values, N_TRAIN)
    assert (config.seed, config.epochs, config.row_units, config.train_size) == (7, 1, 8, 96)
    pool = ModelPool()  # the second and third runs reuse the first's model, reset: what a worker's pool does
    first = train(config, tiny_data, pool=pool).record.history.batches
    again = train(config, tiny_data, pool=pool).record.history.batches
    assert len(first.loss) == 3 and again.loss == first.loss  # 96 images in batches of 32, bit for bit
    other = train(replace(config, seed=8), tiny_data, pool=pool).record.history.batches
    assert other.loss != first.loss  # the seed is what makes them the same


@pytest.mark.parametrize(
    "link, digits, moments, expected",
    [
        ({}, 20, 114, (None, None, [])),
        ({"grid": "3", "moment": "57"}, 20, 114, (2, 56, [])),
        ({"grid": "20", "moment": "114"}, 20, 114, (19, 113, [])),
        ({"grid": "21"}, 20, 114, (None, None, ["grid digits are 1 to 20, got '21'"])),
        ({"moment": "0"}, 20, 114, (None, None, ["moments of this run are 1 to 114, got '0'"])),
        ({"moment": "5e1"}, 20, 114, (None, None, ["moments of this run are 1 to 114, got '5e1'"])),
        ({"grid": "٣"}, 20, 114, (None, None, ["grid digits are 1 to 20, got '٣'"])),
        ({"moment": "3"}, 20, 0, (None, None, ["this run keeps no snapshots, got moment='3'"])),
    ],
)
def test_a_replay_address_names_a_grid_digit_and_a_moment_within_the_run(link, digits, moments, expected):
    assert replay_from_link(link, digits, moments) == expected
