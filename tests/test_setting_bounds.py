"""One table of bounds: every front end refuses and accepts a setting's values where its field's metadata says.

The cases are made from `SETTINGS`, so a new bounded field is covered without a new test: `TrainConfig.check`, the
text parser (`--set`), the command line's flags and the Train page (its widgets' bounds and its lesson links) all
accept each bound and refuse just past it.
"""

import math
from dataclasses import replace

import pytest

from hrnn.cli.parser import build_parser
from hrnn.cli.train import _train_config
from hrnn.train import limits
from hrnn.train.config import SETTINGS, TrainConfig
from hrnn.ui.train.link import settings_from_link
from hrnn.ui.train.settings import NUMBERS, bounds, config_from_values

BOUNDED = [s for s in SETTINGS.values() if s.bounds is not None]
# Server limits as high as the settings' own, so that on the page only the fields' bounds (and the data) bound them
N_TRAIN, MAX_EPOCHS, MAX_UNITS = 60_000, limits.EPOCHS_MAX, limits.UNITS_MAX


def _edges(kind, low, high, low_open=False, high_open=False):
    """`(accepted, refused)`: the values at each bound (just inside an open one) and just past it."""
    step = 1 if kind is int else 1.0
    accepted, refused = [], []
    if low is not None:
        accepted.append(math.nextafter(low, math.inf) if low_open else kind(low))
        refused.append(kind(low) if low_open else kind(low) - step)
    if high is not None:
        accepted.append(math.nextafter(high, -math.inf) if high_open else kind(high))
        refused.append(kind(high) if high_open else kind(high) + step)
    return accepted, refused


def _cases(settings, accepted):
    cases = []
    for setting in settings:
        b = setting.bounds
        values = _edges(setting.kind, b.low, b.high, b.low_open, b.high_open)[0 if accepted else 1]
        cases += [pytest.param(setting, value, id=f"{setting.name}={value!r}") for value in values]
    return cases


def _text(value):
    return repr(value) if isinstance(value, float) else str(value)


def test_every_number_setting_has_bounds_and_every_word_setting_choices():
    for setting in SETTINGS.values():
        assert (setting.bounds is not None) == (setting.kind in (int, float)), setting.name
        assert (setting.choices is not None) == (setting.kind is str), setting.name


@pytest.mark.parametrize("setting, value", _cases(BOUNDED, accepted=True))
def test_each_bound_is_accepted_by_check_the_parser_and_the_command_line(setting, value):
    assert replace(TrainConfig(), **{setting.name: value}).check()
    assert SETTINGS[setting.name].parse(_text(value)) == value
    for flag in setting.flag_names if setting.flag else ():  # a renamed setting's old flag too (--col-units)
        args = build_parser().parse_args(["train", flag, _text(value)])
        assert getattr(_train_config(args), setting.name) == value


@pytest.mark.parametrize("setting, value", _cases(BOUNDED, accepted=False))
def test_just_past_each_bound_is_refused_by_check_the_parser_and_the_command_line(setting, value, capsys):
    with pytest.raises(ValueError, match=f"^{setting.label} must be"):
        replace(TrainConfig(), **{setting.name: value}).check()
    with pytest.raises(ValueError, match=f"^{setting.label} must be"):
        SETTINGS[setting.name].parse(_text(value))
    for flag in setting.flag_names if setting.flag else ():
        with pytest.raises(SystemExit):
            build_parser().parse_args(["train", flag, _text(value)])
        assert f"argument {'/'.join(setting.flag_names)}: {setting.label} must be" in capsys.readouterr().err


def _page_cases(accepted):
    cases = []
    for name in NUMBERS:
        page = SETTINGS[name].page_bounds
        high = N_TRAIN if name == "train_size" else page.high if page.high is not None else SETTINGS[name].bounds.high
        values = _edges(SETTINGS[name].kind, page.low, high)[0 if accepted else 1]
        cases += [pytest.param(name, value, id=f"{name}={value!r}") for value in values]
    return cases


@pytest.mark.parametrize("name, value", _page_cases(accepted=True))
def test_the_train_pages_bounds_are_its_fields_and_start_accepts_them(name, value):
    low, high = bounds(name, N_TRAIN, MAX_EPOCHS, MAX_UNITS)
    assert value in (low, high)
    values, _, reasons = settings_from_link({name: _text(value)}, N_TRAIN, MAX_EPOCHS, MAX_UNITS)
    assert not reasons and values[name] == value
    assert config_from_values(values, N_TRAIN).check()  # every value the page offers is one Start accepts


@pytest.mark.parametrize("name, value", _page_cases(accepted=False))
def test_a_lesson_link_past_a_pages_bound_is_ignored_with_a_reason(name, value):
    low, high = bounds(name, N_TRAIN, MAX_EPOCHS, MAX_UNITS)
    assert not low <= value <= high
    values, _, reasons = settings_from_link({name: _text(value)}, N_TRAIN, MAX_EPOCHS, MAX_UNITS)
    shown = "{:,}" if isinstance(low, int) else "{:g}"
    assert reasons == [f"{name} is {shown.format(low)} to {shown.format(high)} here, got {_text(value)!r}"]
    assert values[name] != value  # left at the preset's
