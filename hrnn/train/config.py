"""What a training run is asked to do: `TrainConfig`, its checks, and the presets (the original example's settings
and the one-click demo).

A config is validated once, at the edge (the CLI's arguments, the Train page's Start), with `check()`.
"""

import math
import typing
from dataclasses import asdict, dataclass, field, fields, replace

from hrnn import schema
from hrnn.train import limits

OPTIMIZERS = ("rmsprop", "adam", "sgd", "adamw", "nadam")
ARCH_NAMES = ("hrnn", "flat-lstm", "cnn")  # hrnn.nn.model.ARCHITECTURES builds each
VALIDATIONS = ("split", "test", "none")
SCHEDULES = ("constant", "cosine")


def _setting(default, help, flag=True, low=None, high=None, choices=None):
    """A `TrainConfig` field with what every front end needs to offer it: a help sentence, its bounds or choices,
    and whether the command line has a flag for it (`--name-with-dashes`). `TrainConfig.check` enforces the
    bounds; the CLI, the Train page and `--set` read them from here (`SETTINGS`)."""
    return field(default=default, metadata={"help": help, "flag": flag, "low": low, "high": high, "choices": choices})


@dataclass
class TrainConfig:
    """Hyperparameters of one run. The defaults reproduce the original Keras example (except where it used the test
    set as validation: the default keeps a validation split apart; `validation="test"` is its protocol)."""

    arch: str = _setting(
        "hrnn",
        "hrnn: the hierarchical RNN, a row reader then an image reader. The baselines, to see whether the hierarchy "
        "earns its keep: flat-lstm, one LSTM reading the 28 pixel rows as 28 steps (its size is the image reader "
        "size); cnn, a small convolutional net of about the HRNN's parameter count (no reader sizes). All three "
        "train on the same data with the same loss and optimizer settings.",
        choices=ARCH_NAMES,
    )
    epochs: int = _setting(5, "Passes over the training images.", low=1, high=limits.EPOCHS_MAX)
    batch_size: int = _setting(
        32, "Images per learning step: the weights change once per batch.", low=1, high=limits.BATCH_MAX
    )
    row_units: int = _setting(
        128,
        "Hidden units of the first LSTM, which reads each pixel row left to right into a vector.",
        low=1,
        high=limits.UNITS_MAX,
    )
    col_units: int = _setting(
        128,
        "Hidden units of the second LSTM, which reads the 28 row vectors top to bottom into one image vector.",
        low=1,
        high=limits.UNITS_MAX,
    )
    optimizer: str = _setting("rmsprop", "How the weights are updated from each batch's gradient.", choices=OPTIMIZERS)
    learning_rate: float = _setting(
        1e-3,  # Keras's RMSprop default, as in the example
        "How big each update step is. Too big and the loss jumps about; too small and it learns slowly.",
        low=0.0,
        high=10.0,
    )
    schedule: str = _setting(
        "constant",
        "constant: the same learning rate throughout; cosine: it shrinks smoothly to 0 by the end.",
        choices=SCHEDULES,
    )
    clipnorm: float | None = _setting(
        None,  # None: no clipping, as the example
        "Caps the size of each weight's gradient, so one odd batch cannot throw the weights far off. Off unless set.",
        low=0.0,
        high=1e6,
    )
    # Initialisation. Keras's Glorot default spreads one input pixel over the row reader's 4 x units gate inputs,
    # so its input weights start near +-0.1 and a pixel barely moves the gates: the loss then sits at chance
    # (2.3) for thousands of images. Scaling those weights up lets the first batches learn.
    row_input_scale: float = _setting(
        1.0,
        "Multiplies the row reader's starting input weights. Keras's default (1) starts them so small that a pixel "
        "barely registers and the loss sits at 2.3 for the first few thousand images; 10 learns at once.",
        low=0.0,
        high=1000.0,
    )
    forget_bias: float = _setting(
        1.0,
        "The image reader's starting forget-gate bias (Keras: 1). Higher keeps what the upper rows said longer, "
        "through the blank rows at the bottom of a digit.",
        low=-100.0,
        high=100.0,
    )
    train_size: int | None = _setting(
        None,  # None: all that are left after validation
        "How many images to learn from (a stratified sample; all unless set). Images held out for validation are never "
        "among them.",
        low=1,
    )
    validation: str = _setting(
        "split",
        "split: hold out val-size training images; test: validate on the test set, the original example's "
        "protocol; none.",
        choices=VALIDATIONS,
    )
    val_size: int = _setting(
        5000, "Training images held out for validation with validation split (at most 10% of them).", low=1
    )
    val_limit: int | None = _setting(
        None, "Validate on at most this many held-out images per epoch (live runs).", flag=False, low=1
    )
    test_limit: int | None = _setting(
        None, "Test on at most this many test images at the end; 0 skips the test.", flag=False, low=0
    )
    seed: int = _setting(0, "Seeds the weights, the split and the shuffling.", low=0, high=limits.SEED_MAX)

    def to_dict(self):
        """The config as a JSON-ready dict (what a run's settings and record hold)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values, where="config"):
        """A config read back from `to_dict`'s form: missing fields take their defaults (older records have fewer),
        unknown ones are ignored. Only types are checked here; `check` applies the limits where a run starts.

        Raises:
            hrnn.schema.SchemaError (a ValueError): naming the first field of the wrong type.
        """
        return schema.from_json(cls, values, where)

    def check(self):
        """Return self if every field is valid; raise ValueError with a one-line message for the first that isn't:
        a size that is not positive or larger than its bound in `hrnn.train.limits`; a seed outside 0..2**32-1; an
        unknown name. Whether a valid config fits this machine's free memory is a separate question, asked where a
        run starts: `hrnn.train.limits.check_fits_machine`."""
        for name in ("epochs", "batch_size", "row_units", "col_units", "val_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name.replace('_', '-')} must be a positive integer, got {value!r}")
        for name, bound, why in (
            ("epochs", limits.EPOCHS_MAX, "far past where MNIST stops improving; the original example trains 5"),
            ("batch_size", limits.BATCH_MAX, "MNIST's whole training set in one step"),
            ("row_units", limits.UNITS_MAX, "32 times the original's 128, days per epoch on a CPU"),
            ("col_units", limits.UNITS_MAX, "32 times the original's 128, days per epoch on a CPU"),
        ):
            value = getattr(self, name)
            if value > bound:
                raise ValueError(f"{name.replace('_', '-')} must be at most {bound:,} ({why}), got {value:,}")
        for name in ("train_size", "val_limit"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name.replace('_', '-')} must be a positive integer, got {value!r}")
        if self.test_limit is not None and (not isinstance(self.test_limit, int) or self.test_limit < 0):
            raise ValueError(f"test-limit must be 0 or a positive integer, got {self.test_limit!r}")
        if self.arch not in ARCH_NAMES:
            raise ValueError(f"unknown arch {self.arch!r}; choose one of {', '.join(ARCH_NAMES)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (0 < lr < 10) or math.isnan(lr):
            raise ValueError(f"learning rate must be a number between 0 and 10, got {lr!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if self.clipnorm is not None and not _number_between(self.clipnorm, 0, 1e6):
            raise ValueError(f"clipnorm must be a positive number or None, got {self.clipnorm!r}")
        if not _number_between(self.row_input_scale, 0, 1000):
            raise ValueError(f"row-input-scale must be a number between 0 and 1000, got {self.row_input_scale!r}")
        if not _number_between(self.forget_bias, -100, 100, exclusive_low=False):
            raise ValueError(f"forget-bias must be a number between -100 and 100, got {self.forget_bias!r}")
        if self.validation not in VALIDATIONS:
            raise ValueError(f"unknown validation {self.validation!r}; choose one of {', '.join(VALIDATIONS)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= limits.SEED_MAX:
            raise ValueError(f"seed must be an integer from 0 to {limits.SEED_MAX}, got {self.seed!r}")
        return self


def _number_between(value, low, high, exclusive_low=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return False
    return (low < value if exclusive_low else low <= value) and value <= high


# The original Keras example's settings: all images, 5 epochs, RMSprop 1e-3, batch 32, Keras's initialisation.
ORIGINAL = TrainConfig()

# The one-click demo: about 30,000 images seen, whatever the data. Found by a search of time to accuracy on full
# MNIST (see docs/experiments.md): Adam at 2e-3 with a cosine decay and clipping, the row reader's
# input weights 10x Keras's default and a forget bias of 2 on the image reader. Live runs validate and test on
# stratified subsets (1,000 and 2,000 images), so the chart's epoch points come quickly.
LIVE_VAL_LIMIT, LIVE_TEST_LIMIT = 1000, 2000  # live runs validate and test on stratified subsets this large
DEMO_SAMPLES = 30_000  # images seen in a demo run
DEMO_TRAIN_SIZE = 10_000  # images it trains on (fewer if the data has fewer)
DEMO = TrainConfig(
    epochs=3,
    batch_size=32,
    optimizer="adam",
    learning_rate=2e-3,
    schedule="cosine",
    clipnorm=1.0,
    row_input_scale=10.0,
    forget_bias=2.0,
    train_size=DEMO_TRAIN_SIZE,
    val_limit=LIVE_VAL_LIMIT,
    test_limit=LIVE_TEST_LIMIT,
)


def demo_config(n_available):
    """The demo preset for data with `n_available` training images (after the validation split): it trains on
    `min(10,000, n_available)` images for as many epochs as make about `DEMO_SAMPLES` images seen."""
    train_size = min(DEMO_TRAIN_SIZE, n_available)
    epochs = max(1, round(DEMO_SAMPLES / max(train_size, 1)))
    return replace(DEMO, train_size=train_size, epochs=epochs)


# The fast preset: 98% of held-out test digits within a minute of training on two cores (full MNIST), in one pass
# over all training images. Found by a search of images and seconds to 98% (see docs/experiments.md): a row reader
# of 64 units (an image costs two thirds of what it does with 128), batches of 32, Adam at 3e-3 with a cosine decay
# over the pass, and the demo's initialisation. A row reader of 48 units missed 98% with one seed of three.
FAST = replace(DEMO, epochs=1, batch_size=32, learning_rate=3e-3, row_units=64, train_size=None)  # all images once
# On fewer training images (the offline sample's 4,500), one pass is far too little (63.5% on the sample): the preset
# sees as many images as one pass over full MNIST, in as many passes as that takes, at most `FAST_MAX_PASSES`. On the
# sample that is 12 passes, which reach about 97%, not 98% (docs/experiments.md).
FAST_SAMPLES = 55_000  # images seen: one pass over full MNIST's training images less the 5,000 held out
FAST_MAX_PASSES = 20


def fast_config(n_available):
    """The fast preset for data with `n_available` training images (after the validation split): all of them, in as
    many passes as make about `FAST_SAMPLES` images seen (one on full MNIST, 12 on the offline sample), at most
    `FAST_MAX_PASSES`."""
    return replace(FAST, epochs=min(FAST_MAX_PASSES, max(1, round(FAST_SAMPLES / max(n_available, 1)))))


# The presets by the name a front end offers each under (`python -m hrnn train --preset NAME`); the front ends name
# them in words. The demo's images and epochs adapt to the data (`preset_config`).
PRESETS = {"demo": DEMO, "fast": FAST, "original": ORIGINAL}
CUSTOM = "custom"  # what `preset_of` says of settings that follow no preset


def preset_config(name, n_available):
    """The preset called `name` (a key of `PRESETS`) for data with `n_available` training images (after the
    validation split): the demo adapts its images and epochs to them (`demo_config`), the fast preset its passes
    (`fast_config`); the original trains on all, as it did."""
    if name == "demo":
        return demo_config(n_available)
    return fast_config(n_available) if name == "fast" else PRESETS[name]


# What a preset fixes: how the model learns (the model, its sizes, the optimizer, the initialisation). The amount of
# data and of evaluation may vary (the demo adapts its images and epochs to the data; live runs validate and test on
# subsets), and so may the random seed.
LEARNING_FIELDS = (
    "arch",
    "batch_size",
    "row_units",
    "col_units",
    "optimizer",
    "learning_rate",
    "schedule",
    "clipnorm",
    "row_input_scale",
    "forget_bias",
)


def preset_of(config):
    """Which preset `config` follows (a key of `PRESETS`: its `LEARNING_FIELDS` are the preset's), else `CUSTOM`."""
    for name, preset in PRESETS.items():
        if all(getattr(config, f) == getattr(preset, f) for f in LEARNING_FIELDS):
            return name
    return CUSTOM


@dataclass(frozen=True)
class Setting:
    """One `TrainConfig` field as a front end offers it (the CLI, the Train page, `--set`)."""

    name: str
    kind: type  # int, float or str
    optional: bool  # None is a value (off, or all)
    default: object
    help: str
    flag: bool  # the CLI has `--name-with-dashes`
    low: float | None
    high: float | None
    choices: tuple | None

    @property
    def flag_name(self):
        return "--" + self.name.replace("_", "-")

    def parse(self, text):
        """The value `text` stands for, of this setting's type ("none" for None where that is allowed).

        Raises:
            ValueError: one line naming the setting, for text that is not of its type or not one of its choices.
        """
        text = text.strip()
        if self.optional and text.lower() == "none":
            return None
        try:
            value = self.kind(text)
        except ValueError:
            what = {int: "an integer", float: "a number"}.get(self.kind, "text")
            raise ValueError(f"{self.name.replace('_', '-')} must be {what}, got {text!r}") from None
        if self.choices and value not in self.choices:
            raise ValueError(f"unknown {self.name.replace('_', '-')} {text!r}; choose one of {', '.join(self.choices)}")
        return value


def _settings():
    hints = typing.get_type_hints(TrainConfig)
    found = {}
    for f in fields(TrainConfig):
        kinds = [k for k in typing.get_args(hints[f.name]) or (hints[f.name],) if k is not type(None)]
        found[f.name] = Setting(
            name=f.name,
            kind=kinds[0],
            optional=type(None) in typing.get_args(hints[f.name]),
            default=f.default,
            **f.metadata,
        )
    return found


SETTINGS = _settings()  # field name -> Setting, in TrainConfig's order


def with_overrides(config, settings):
    """`config` with `settings` ("name=value" strings, as `--set` takes them) applied, each value read as its
    field's type, checked.

    Raises:
        ValueError: one line naming an unknown setting or a bad value.
    """
    changes = {}
    for item in settings:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in SETTINGS:
            raise ValueError(f"--set {item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(SETTINGS))}")
        changes[name] = SETTINGS[name].parse(text)
    return replace(config, **changes).check()
