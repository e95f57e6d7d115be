"""The Train page's address (a lesson link, `hrnn.ui.common.lesson_link`): the settings Start trains with, and a teacher
mode that hides them.

    /?preset=original                        a preset's settings (demo, fast, original; none: the quick demo's)
    &epochs=2&learning_rate=0.003&seed=7     settings that differ from the preset's, by `TrainConfig`'s names
                                             (an old link's `col_units` is read as `image_units`)
    &teacher=1                               Start and the result only: the settings are the link's
    &run=<id>                                the run watched (`hrnn.ui.train.watching`)
    &watch=1                                 with `run`: watching only, no Start, no settings (`watch_only_link`)
    &grid=3&moment=57                        the inside view: the grid digit watched, the run's snapshot replayed

The same settings and seed train the same run on the same kind of machine (tests/ui/test_train_link.py trains a
link's settings twice and gets the same batch losses).
"""

from urllib.parse import urlencode

import streamlit as st

from hrnn.bounds import Bounds, not_one_of, read
from hrnn.train.config import PRESETS, RENAMED, SETTINGS, preset_config
from hrnn.ui.common.lesson_link import LinkValueError, new_address, whole_number, write_address
from hrnn.ui.train.settings import FIELDS, NUMBERS, PRESET_KEY, SEED, bounds, server_limits, widget_values
from hrnn.ui.train.watching import WATCH_PARAM

PAGE = "train"
PRESET, TEACHER, WATCH = "preset", "teacher", "watch"
NAMES = (PRESET, TEACHER, *FIELDS, SEED, *RENAMED)  # RENAMED: a renamed setting's old name, read from old links


def preset_values(name, n_train, max_epochs, max_units):
    """The widget values of preset `name` (one of `PRESETS`) on data of `n_train` training images, within this
    server's limits (as `settings.init_settings` keeps them), seed 0."""
    values = widget_values(preset_config(name, n_train), n_train)
    for setting, high in server_limits(n_train, max_epochs, max_units).items():
        values[setting] = min(values[setting], high)
    return {**values, SEED: 0}


def _value(name, text, n_train, max_epochs, max_units):
    """The widget value of setting `name` that `text` stands for, within the page's bounds. Raises ValueError."""
    setting = SETTINGS[name]
    if name not in NUMBERS or (setting.optional and text.strip().lower() == "none"):
        value = setting.parse(text)  # a word, or "none": no clipping, or every training image
        return value if value is not None else 0.0 if name == "clipnorm" else n_train
    low, high = bounds(name, n_train, max_epochs, max_units)
    value = read(setting.kind, text, Bounds(low, high))
    if value is None:
        shown = "{:,}" if isinstance(low, int) else "{:g}"
        raise ValueError(f"{name} is {shown.format(low)} to {shown.format(high)} here, got {text[:20]!r}")
    return value


def settings_from_link(link, n_train, max_epochs, max_units):
    """What a Train page address says: `(widget values {name: value}, teacher mode, reasons a value was ignored)`;
    `link`: `{name: text or None}`; the bounds: the data's training images and this server's limits."""
    reasons = []
    preset = link.get(PRESET) or "demo"
    if preset not in PRESETS:
        reasons.append(not_one_of(PRESET, preset, tuple(PRESETS)))
        preset = "demo"
    values = preset_values(preset, n_train, max_epochs, max_units)
    for name in (*FIELDS, SEED):
        old_names = SETTINGS[name].old_names
        text = next((link[n] for n in (name, *old_names) if link.get(n) is not None), None)
        if text is None:
            continue
        try:
            values[name] = _value(name, text, n_train, max_epochs, max_units)
        except ValueError as exc:  # a SchemaError or the page's bounds: one line, naming the setting
            reasons.append(str(exc))
    teacher = link.get(TEACHER)
    if teacher not in (None, "0", "1"):
        reasons.append(not_one_of(TEACHER, teacher, ("1", "0")))
    return values, teacher == "1", reasons


def apply(n_train, max_epochs, max_units):
    """Set the page's settings from its address when it changed since this session applied or wrote it; returns
    `(teacher mode, reasons a value was ignored)`."""
    link = new_address(PAGE, NAMES)
    reasons = []
    if link is not None:
        values, _, reasons = settings_from_link(link, n_train, max_epochs, max_units)
        st.session_state[PRESET_KEY] = link.get(PRESET) if link.get(PRESET) in PRESETS else "demo"
        for name, value in values.items():
            st.session_state[f"cfg_{name}"] = value
    return teacher_mode(), reasons


def teacher_mode():
    """Whether the address is a teacher's lesson link (`&teacher=1`): Start and the result only, settings hidden."""
    return st.query_params.get(TEACHER) == "1"


def watching_only():
    """Whether the address is a watch-only link: a run to watch (`?run=`) and `&watch=1`."""
    return st.query_params.get(WATCH) == "1" and bool(st.query_params.get(WATCH_PARAM))


def watch_only_link(run_id):
    """The query of a watch-only link to run `run_id` (`run=<id>&watch=1`): whoever opens it watches the run live
    and has nothing to press (a class watching the teacher's run)."""
    return urlencode({WATCH_PARAM: run_id, WATCH: "1"})


def _text(value):
    return repr(float(value)) if isinstance(value, float) else str(value)


def write(config, n_train, max_epochs, max_units, teacher):
    """Put `config`'s settings in the address: the preset they started from and what differs from it (the bounds:
    the data's training images and this server's limits)."""
    preset = st.session_state.get(PRESET_KEY, "demo")
    base = preset_values(preset, n_train, max_epochs, max_units)
    values = {**widget_values(config, n_train), SEED: config.seed}
    texts = {name: None if values[name] == base[name] else _text(values[name]) for name in values}
    old = dict.fromkeys(RENAMED)  # an old link's names leave the address: the settings are written by their new names
    write_address(
        PAGE, {PRESET: None if preset == "demo" else preset, TEACHER: "1" if teacher else None, **texts, **old}
    )


# The inside view's moment, in the same address: `&grid=3&moment=57` watches the 3rd grid digit (1 to 20) at the run's
# 57th snapshot (1 to the run's count), so that "Share this view" opens a replay where it was. Applied once per new
# address, like the settings (`hrnn.ui.common.lesson_link`), under a page name of its own.
REPLAY_PAGE = "train_replay"
GRID, MOMENT = "grid", "moment"


def replay_from_link(link, digits, moments):
    """What an address says of the inside view: `(grid digit index or None, moment index or None, reasons a value
    was ignored)`; `link`: `{name: text or None}`; `digits`: the grid's digits (20); `moments`: the run's snapshots so
    far (0 for a run without them). Indices count from 0, the address from 1."""
    chosen, reasons = {}, []
    for name, count, what in ((GRID, digits, "grid digits"), (MOMENT, moments, "moments of this run")):
        text = link.get(name)
        if text is None:
            continue
        if count == 0:
            reasons.append(f"this run keeps no snapshots, got {name}={text[:20]!r}")
            continue
        try:
            chosen[name] = whole_number(text, 1, count, what) - 1
        except LinkValueError as exc:
            reasons.append(str(exc))
    return chosen.get(GRID), chosen.get(MOMENT), reasons


def apply_replay(digits, moments):
    """`(grid digit index or None, moment index or None, reasons)` from the address when it changed since this session
    applied or wrote it; else `(None, None, [])`."""
    link = new_address(REPLAY_PAGE, (GRID, MOMENT))
    return replay_from_link(link, digits, moments) if link is not None else (None, None, [])


def write_replay(digit, moment):
    """Name the watched grid digit (an index, None for the first) and the moment (an index, None while a run trains:
    the latest) in the address."""
    write_address(
        REPLAY_PAGE,
        {GRID: None if not digit else str(digit + 1), MOMENT: None if moment is None else str(moment + 1)},
    )
