"""The Train page's settings: presets, one widget per `TrainConfig` field, and what Start will train, in words."""

import streamlit as st

from hrnn.nn.architectures import ARCHITECTURES
from hrnn.train.config import (
    FAST,
    LEARNING_FIELDS,
    LIVE_TEST_LIMIT,
    LIVE_VAL_LIMIT,
    OPTIMIZERS,
    ORIGINAL,
    PRESETS,
    SCHEDULES,
    SETTINGS,
    TrainConfig,
    demo_config,
    preset_name,
)
from hrnn.ui.labels import ARCH_LABELS, SETTING_LABELS

FIELDS = (*LEARNING_FIELDS, "epochs", "train_size")  # what the page's settings set, presets included


def _apply_preset(config, n_train):
    for name in FIELDS:
        value = getattr(config, name)
        if name == "train_size":
            value = n_train if value is None else min(value, n_train)
        elif name == "clipnorm":
            value = 0.0 if value is None else value
        st.session_state[f"cfg_{name}"] = value


def controls(n_train, max_epochs, max_units):
    """The settings widgets, within this server's limits; returns the TrainConfig they describe."""
    if "cfg_epochs" not in st.session_state:
        _apply_preset(demo_config(n_train), n_train)
    c1, c2, c3 = st.columns(3)
    if c1.button(
        "Quick demo (a few minutes)",
        key="preset_quick",
        width="stretch",
        help="Settings tuned to learn fast: about 30,000 images seen, over 90% of digits read in most runs.",
    ):
        _apply_preset(demo_config(n_train), n_train)
    if c2.button(
        "Fast to 98% (all digits once)",
        key="preset_fast",
        width="stretch",
        help="Settings tuned to reach 98% of held-out digits in as few images as possible: one pass over all "
        "training digits in batches of 64. About 98% at the end (97.8% to 98.3% in our tests); a minute or two "
        "on a 2-core server, longer on a laptop.",
    ):
        _apply_preset(FAST, n_train)
    if c3.button(
        "The original Keras example (all training digits, 5 epochs)",
        key="preset_seed",
        width="stretch",
        help="Exactly the settings of the Keras example this app is built on: RMSprop, learning rate 0.001, "
        "batch 32, 5 passes over all images. Slow: half an hour or more on a laptop.",
    ):
        _apply_preset(ORIGINAL, n_train)
    # Values above a widget's maximum would be an error: the data source may have shrunk, a preset may be above
    # the server's limits.
    for key, high in (
        ("cfg_train_size", n_train),
        ("cfg_epochs", max_epochs),
        ("cfg_row_units", max_units),
        ("cfg_col_units", max_units),
    ):
        st.session_state[key] = min(st.session_state[key], high)
    arch = st.selectbox(
        SETTING_LABELS["arch"],
        list(ARCHITECTURES),
        format_func=lambda name: f"{name}: {ARCH_LABELS[name]}",
        key="cfg_arch",
        help=SETTINGS["arch"].help,
    )
    sizes = ARCHITECTURES[arch].sizes
    c1, c2, c3, c4 = st.columns(4)
    _number(c1, "epochs", high=max_epochs)
    _number(c2, "batch_size", high=4096)
    _number(c3, "row_units", high=max_units, disabled="row_units" not in sizes)
    _number(c4, "col_units", high=max_units, disabled="col_units" not in sizes)
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox(SETTING_LABELS["optimizer"], OPTIMIZERS, key="cfg_optimizer", help=SETTINGS["optimizer"].help)
    _number(c2, "learning_rate", low=1e-6, high=1.0, format="%.5f", step=1e-4)
    c3.selectbox(SETTING_LABELS["schedule"], SCHEDULES, key="cfg_schedule", help=SETTINGS["schedule"].help)
    _number(c4, "train_size", low=10, high=n_train, step=500, label=f"Training images (of {n_train:,})")
    c1, c2, c3 = st.columns(3)
    _number(c1, "clipnorm", high=1000.0, step=0.5, label="Gradient clipping (0 = off)")
    _number(c2, "row_input_scale", low=0.1, high=100.0, step=1.0, disabled=arch != "hrnn")
    _number(c3, "forget_bias", low=-10.0, high=10.0, step=0.5, disabled=arch != "hrnn")
    return config_from_widgets(n_train)


def _number(container, name, low=None, high=None, label=None, **kwargs):
    """A number input for TrainConfig's `name`, its bounds within the setting's own (`hrnn.train.config.SETTINGS`)
    and this page's, keyed `cfg_<name>` (an optional setting's None shows as 0: "off")."""
    setting = SETTINGS[name]
    low = low if low is not None else setting.low if setting.low is not None else 0
    if setting.kind is int:
        low, high = int(low), int(high)
    else:
        low, high = float(low), float(high)
    return container.number_input(
        label or SETTING_LABELS[name], low, high, key=f"cfg_{name}", help=setting.help, **kwargs
    )


def config_from_widgets(n_train):
    """The `TrainConfig` the settings widgets describe (live runs validate and test on stratified subsets)."""
    values = {name: st.session_state[f"cfg_{name}"] for name in FIELDS}
    for name, value in values.items():
        setting = SETTINGS[name]
        if setting.kind in (int, float) and not isinstance(value, str):
            values[name] = setting.kind(value)
    if values["clipnorm"] <= 0:
        values["clipnorm"] = None  # the widget's 0 is "off"
    if values["train_size"] >= n_train:
        values["train_size"] = None  # all of them
    return TrainConfig(**values, val_limit=LIVE_VAL_LIMIT, test_limit=LIVE_TEST_LIMIT)


def _checked_words(config, held_out):
    """ ", each check reads 1,000 of them" where a check reads fewer than all the held-out digits."""
    if config.val_limit is not None and config.val_limit < held_out:
        return f"; each check reads {config.val_limit:,} of them"
    return ""


def will_train(config, n_train, held_out):
    """One line saying what Start will train, in words; `held_out`: the training digits kept apart to validate."""
    kind = preset_name(config)
    presets = {words for words, _ in PRESETS.values()}
    what = f"the {kind}, an HRNN" if kind in presets else f"a {kind}"
    passes = f"{config.epochs} pass{'' if config.epochs == 1 else 'es'}"
    return (
        f"Start trains {what}: {passes} over {config.train_size or n_train:,} images"
        + (f" ({held_out:,} more held out to check it{_checked_words(config, held_out)})" if held_out else "")
        + f", {config.optimizer} at learning rate {config.learning_rate:g}. Change it under Settings."
    )
