"""What a training run is asked to do: `TrainConfig`, its checks, and the presets (the original example's settings
and the one-click demo).

A config is validated once, at the edge (the CLI's arguments, the Train page's Start), with `check()`.
"""

import math
from dataclasses import asdict, dataclass, fields, replace

from hrnn import limits, schema

OPTIMIZERS = ("rmsprop", "adam", "sgd", "adamw", "nadam")
ARCH_NAMES = ("hrnn", "flat-lstm", "cnn")  # hrnn.model.ARCHITECTURES builds each
VALIDATIONS = ("split", "test", "none")
SCHEDULES = ("constant", "cosine")


@dataclass
class TrainConfig:
    """Hyperparameters of one run. The defaults reproduce the original Keras example (except where it used the test
    set as validation: the default keeps a validation split apart; `validation="test"` is its protocol)."""

    arch: str = "hrnn"  # the model: "hrnn", or a baseline, "flat-lstm" or "cnn" (hrnn.model.ARCHITECTURES)
    epochs: int = 5  # passes over the training images
    batch_size: int = 32  # images per gradient step
    row_units: int = 128  # hidden size of the row reader (the first LSTM)
    col_units: int = 128  # hidden size of the image reader (the second LSTM)
    optimizer: str = "rmsprop"  # one of hrnn.model.OPTIMIZERS
    learning_rate: float = 1e-3  # initial learning rate (Keras's RMSprop default, as in the example)
    schedule: str = "constant"  # "constant" (the example) or "cosine" decay to 0 over the run, per batch
    clipnorm: float | None = None  # clip each weight's gradient to this norm; None = no clipping (the example)
    # Initialisation. Keras's Glorot default spreads one input pixel over the row reader's 4 x units gate inputs,
    # so its input weights start near +-0.1 and a pixel barely moves the gates: the loss then sits at chance
    # (2.3) for thousands of images. Scaling those weights up lets the first batches learn.
    row_input_scale: float = 1.0  # multiplies the row reader's initial input weights (1 = Keras's default)
    forget_bias: float = 1.0  # initial forget-gate bias of the image reader (Keras: 1); higher = longer memory
    train_size: int | None = None  # number of training images to use; None = all that are left after validation
    validation: str = "split"  # "split": hold out val_size training images; "test": the example's protocol; "none"
    val_size: int = 5000  # images held out for validation when validation == "split" (capped at 10% of train)
    val_limit: int | None = None  # evaluate on at most this many validation images per epoch (live runs)
    test_limit: int | None = None  # evaluate on at most this many test images at the end; 0 = skip
    seed: int = 0  # weights, split and shuffling

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
        a size that is not positive, larger than its bound in `hrnn.limits`, or too large for this machine's free
        memory; a seed outside 0..2**32-1; an unknown name."""
        for name in ("epochs", "batch_size", "row_units", "col_units", "val_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name.replace('_', '-')} must be a positive integer, got {value!r}")
        # Sizes far too large are refused by the memory they would need, before the fixed bounds (hrnn.limits).
        limits.check_memory(self.row_units, self.col_units, self.batch_size)
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
# MNIST (see the README's "The one-click demo"): Adam at 2e-3 with a cosine decay and clipping, the row reader's
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


# Each setting's name in words, as the Train page labels it (tables that list settings use these, not field names).
SETTING_LABELS = {
    "arch": "Model",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "row_units": "Row reader size",
    "col_units": "Image reader size",
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "schedule": "Schedule",
    "clipnorm": "Gradient clipping",
    "row_input_scale": "Row reader input scale",
    "forget_bias": "Image reader forget bias",
    "train_size": "Training images",
    "validation": "Validation",
    "val_size": "Validation images",
    "val_limit": "Validation images read per epoch",
    "test_limit": "Test images read at the end",
    "seed": "Random seed",
}

# What a preset fixes: how the model learns (the model, its sizes, the optimizer, the initialisation). The amount of
# data and of evaluation may vary (the demo adapts its images and epochs to the data; live runs validate and test on
# subsets), and so may the seed.
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


def preset_name(config):
    """In words, which preset `config` follows: "quick demo", "original Keras example", else what it is ("custom
    HRNN", "flat-lstm baseline", "cnn baseline")."""
    for name, preset in (("quick demo", DEMO), ("original Keras example", ORIGINAL)):
        if all(getattr(config, f) == getattr(preset, f) for f in LEARNING_FIELDS):
            return name
    return "custom HRNN" if config.arch == "hrnn" else f"{config.arch} baseline"


def with_overrides(config, settings):
    """`config` with `settings` ("name=value" strings, as `--set` takes them) applied, checked.

    Raises:
        ValueError: one line naming an unknown setting or a bad value.
    """
    names = {f.name for f in fields(config)}
    changes = {}
    for item in settings:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in names:
            raise ValueError(f"--set {item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(names))}")
        changes[name] = _parse_value(text.strip())
    return replace(config, **changes).check()


def _parse_value(text):
    if text.lower() == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
