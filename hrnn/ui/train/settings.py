"""The Train page's settings: presets, one widget per `TrainConfig` field, and what Start will train, in words."""

import streamlit as st

from hrnn.nn.architectures import ARCHITECTURES
from hrnn.train.config import (
    LEARNING_FIELDS,
    LIVE_TEST_LIMIT,
    LIVE_VAL_LIMIT,
    OPTIMIZERS,
    PRESETS,
    SCHEDULES,
    SETTINGS,
    TrainConfig,
    fast_config,
    preset_config,
    preset_of,
)
from hrnn.ui.common.labels import ARCH_LABELS, SETTING_LABELS
from hrnn.ui.common.session import keep_across_pages
from hrnn.words import config_words

FIELDS = (*LEARNING_FIELDS, "epochs", "train_size")  # what the page's settings set, presets included
SEED = "seed"  # set on the page too, but by no preset: a preset says how to learn, the seed which run of it
PRESET_KEY = "cfg_preset"  # session key: the preset the settings started from (a key of `PRESETS`)
# Full MNIST's training images less the 5,000 held out: the data on which the fast preset's 98% was measured
# (docs/experiments.md); on fewer images its label and help promise only what was measured for them.
FULL_MNIST_TRAIN = 55_000
FAST_ON_FULL = (
    "98% in about a minute (2 idle cores)",
    "Settings tuned to reach 98% of held-out digits within about a minute of training on a 2-core server: "
    "one pass over all training digits in batches of 32, with a smaller row reader (64 units) that trains "
    "faster. In our tests on the full MNIST, 98% came after 41,000 to 43,000 digits and 55 to 59 seconds; the "
    "whole pass takes 75 to 80 seconds, longer on a laptop or a busy server.",
)
FAST_ON_SAMPLE_HELP = (
    "The fast preset's settings (batches of 32, a row reader of 64 units, Adam at 0.003), as many passes over "
    "these {n:,} digits as make about 55,000 images seen. Its 98% in a minute is for the full MNIST's 55,000 "
    "training digits: fewer digits reach less. On the offline sample (4,500 training digits) its 12 passes read "
    "97.3% and 96.9% of the 1,000 test digits (seeds 0 and 1), in 218 and 199 s on a busy 2-core server."
)


def fast_preset_words(n_train):
    """`(label, help)` of the fast preset's button on data of `n_train` training images: its 98% in a minute only
    on full MNIST, where it was measured."""
    if n_train >= FULL_MNIST_TRAIN:
        return FAST_ON_FULL
    passes = fast_config(n_train).epochs
    return f"Fast: {passes} pass{'' if passes == 1 else 'es'} over {n_train:,} digits", FAST_ON_SAMPLE_HELP.format(
        n=n_train
    )


NUMBERS = tuple(name for name in (*FIELDS, SEED) if SETTINGS[name].kind in (int, float))  # the number inputs


def server_limits(n_train, max_epochs, max_units):
    """`{name: the most it may be here}` of the settings this server's limits bound (`hrnn.settings`), and the
    training images, which are at most the data's `n_train`."""
    return {"epochs": max_epochs, "row_units": max_units, "image_units": max_units, "train_size": n_train}


def bounds(name, n_train, max_epochs, max_units):
    """`(low, high)` of the number setting `name` on this page, of its kind (int or float): its field's page bounds
    (`Setting.page_bounds`), within this server's limits and the data's `n_train` training images."""
    setting = SETTINGS[name]
    low, high = setting.page_bounds.low, setting.page_bounds.high
    limit = server_limits(n_train, max_epochs, max_units).get(name)
    if limit is not None:
        high = limit if high is None else min(high, limit)
    return setting.kind(low), setting.kind(high)


def widget_values(config, n_train):
    """`{name: value}` of `config`'s settings as the page's widgets show them (all `n_train` images for None, 0 for
    no clipping), its seed apart."""
    values = {name: getattr(config, name) for name in FIELDS}
    values["train_size"] = n_train if config.train_size is None else min(config.train_size, n_train)
    values["clipnorm"] = 0.0 if config.clipnorm is None else config.clipnorm
    return values


def apply_preset(name, n_train):
    """Set the page's settings to preset `name`'s (a key of `PRESETS`; the demo's adapted to the data's `n_train`
    training images), its seed apart."""
    st.session_state[PRESET_KEY] = name
    for setting, value in widget_values(preset_config(name, n_train), n_train).items():
        st.session_state[f"cfg_{setting}"] = value


KEPT_KEY = "kept_settings"  # session key: the settings' last values, in a dict that no widget owns


def keep_settings():
    """Keep the settings while another page is shown (call it on every run, before any page is drawn). Streamlit
    forgets a widget's value at the end of a run that does not draw the widget, so a visit to Draw would reset them
    to the quick demo's. Their last values are therefore also kept under a key of the script's own, and any that
    Streamlit dropped are put back from there."""
    keep_across_pages(KEPT_KEY, [key for key in st.session_state if str(key).startswith("cfg_")])


def init_settings(n_train, max_epochs, max_units):
    """Give the settings the quick demo's values if they have none yet, and keep them within this server's limits
    (the data source may have shrunk, a preset may be above the limits): before their widgets are drawn, or instead
    of them (the page's teacher mode)."""
    if "cfg_epochs" not in st.session_state:
        apply_preset("demo", n_train)
    st.session_state.setdefault(f"cfg_{SEED}", 0)
    for name, high in server_limits(n_train, max_epochs, max_units).items():
        st.session_state[f"cfg_{name}"] = min(st.session_state[f"cfg_{name}"], high)


def controls(n_train, max_epochs, max_units):
    """The settings widgets, within this server's limits; returns the TrainConfig they describe."""
    c1, c2, c3 = st.columns(3)
    if c1.button(
        "Quick demo (a few minutes)",
        key="preset_quick",
        width="stretch",
        help="Settings tuned to learn fast: about 30,000 images seen, over 90% of digits read in most runs.",
    ):
        apply_preset("demo", n_train)
    fast_label, fast_help = fast_preset_words(n_train)
    if c2.button(fast_label, key="preset_fast", width="stretch", help=fast_help):
        apply_preset("fast", n_train)
    if c3.button(
        "Original Keras example (5 epochs)",
        key="preset_original",
        width="stretch",
        help="Exactly the settings of the Keras example this app is built on: RMSprop, learning rate 0.001, "
        "batch 32, 5 passes over all images. Slow: half an hour or more on a laptop.",
    ):
        apply_preset("original", n_train)
    init_settings(n_train, max_epochs, max_units)  # after a preset: its epochs may be above this server's limit
    arch = st.selectbox(
        SETTING_LABELS["arch"],
        list(ARCHITECTURES),
        format_func=lambda name: f"{name}: {ARCH_LABELS[name]}",
        key="cfg_arch",
        help=SETTINGS["arch"].help,
    )
    sizes = ARCHITECTURES[arch].sizes

    def number(container, name, **kwargs):
        return _number(container, name, *bounds(name, n_train, max_epochs, max_units), **kwargs)

    c1, c2, c3, c4 = st.columns(4)
    number(c1, "epochs")
    number(c2, "batch_size")
    number(c3, "row_units", disabled="row_units" not in sizes)
    number(c4, "image_units", disabled="image_units" not in sizes)
    # Said in words: a number typed above a field's maximum is only outlined in red, with no reason given.
    st.caption(f"This server trains at most {max_epochs:,} epochs, with at most {max_units:,} units in each reader.")
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox(SETTING_LABELS["optimizer"], OPTIMIZERS, key="cfg_optimizer", help=SETTINGS["optimizer"].help)
    number(c2, "learning_rate", format="%.5f", step=1e-4)
    c3.selectbox(SETTING_LABELS["schedule"], SCHEDULES, key="cfg_schedule", help=SETTINGS["schedule"].help)
    number(c4, "train_size", step=500, label=f"Training images (of {n_train:,})")
    c1, c2, c3, c4 = st.columns(4)
    number(c1, "clipnorm", step=0.5, label="Gradient clipping (0 = off)")
    number(c2, "row_input_scale", step=1.0, disabled=arch != "hrnn")
    number(c3, "forget_bias", step=0.5, disabled=arch != "hrnn")
    number(c4, SEED)
    return config_from_widgets(n_train)


def _number(container, name, low, high, label=None, **kwargs):
    """A number input for TrainConfig's `name` from `low` to `high` (`bounds`), keyed `cfg_<name>` (an optional
    setting's None shows as 0: "off")."""
    shown = "{:,}" if isinstance(low, int) else "{:g}"
    help_text = f"{SETTINGS[name].help} Here: {shown.format(low)} to {shown.format(high)}."
    return container.number_input(label or SETTING_LABELS[name], low, high, key=f"cfg_{name}", help=help_text, **kwargs)


def config_from_widgets(n_train):
    """The `TrainConfig` the settings widgets describe (live runs validate and test on stratified subsets)."""
    return config_from_values({name: st.session_state[f"cfg_{name}"] for name in (*FIELDS, SEED)}, n_train)


def config_from_values(values, n_train):
    """The `TrainConfig` of the settings' values `{name: value}` (the widgets' own: clipping 0 is off, all the
    `n_train` training images is None)."""
    values = dict(values)
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


def will_train(config, n_train, held_out, changeable=True):
    """One line saying what Start will train, in words; `held_out`: the training digits kept apart to validate;
    `changeable`: the settings are on the page (not in its teacher mode)."""
    kind = config_words(config)
    what = f"the {kind}, an HRNN" if preset_of(config) in PRESETS else f"a {kind}"
    passes = f"{config.epochs} pass{'' if config.epochs == 1 else 'es'}"
    return (
        f"Start trains {what}: {passes} over {config.train_size or n_train:,} images"
        + (f" ({held_out:,} more held out to check it{_checked_words(config, held_out)})" if held_out else "")
        + f", {config.optimizer} at learning rate {config.learning_rate:g}."
        + _reaches(config, n_train)
        + (" Change it under Settings." if changeable else "")
    )


def _reaches(config, n_train):
    """ " It reached ...": what the fast preset, as it stands, was measured to reach on data of this size, or ""."""
    fast = fast_config(n_train)
    if any(getattr(config, name) != getattr(fast, name) for name in FIELDS):  # not the preset as it stands
        return ""
    if n_train >= FULL_MNIST_TRAIN:
        return " In our tests it read 98% in about a minute on two idle cores; longer on a busy machine."
    return " On the offline sample it read about 97%, not 98%: fewer digits reach less."
