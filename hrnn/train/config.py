"""What a training run is asked to do: `TrainConfig`, its checks, and the presets (the original example's settings
and the one-click demo).

A config is validated once, at the edge (the CLI's arguments, the Train page's Start), with `check()`.
"""

from dataclasses import asdict, dataclass, replace

from hrnn import schema
from hrnn.bounds import Bounds
from hrnn.train import limits
from hrnn.train.setting import setting, settings_of

OPTIMIZERS = ("rmsprop", "adam", "sgd", "adamw", "nadam")
ARCH_NAMES = ("hrnn", "flat-lstm", "cnn")  # hrnn.nn.model.ARCHITECTURES builds each
VALIDATIONS = ("split", "test", "none")
SCHEDULES = ("constant", "cosine")
UNITS_WHY = "32 times the original's 128, days per epoch on a CPU"


@dataclass
class TrainConfig:
    """Hyperparameters of one run. The defaults reproduce the original Keras example (except where it used the test
    set as validation: the default keeps a validation split apart; `validation="test"` is its protocol)."""

    arch: str = setting(
        "hrnn",
        "hrnn: the hierarchical RNN, a row reader then an image reader. The baselines, to see whether the hierarchy "
        "earns its keep: flat-lstm, one LSTM reading the 28 pixel rows as 28 steps (its size is the image reader "
        "size); cnn, a small convolutional net of about the HRNN's parameter count (no reader sizes). All three "
        "train on the same data with the same loss and optimizer settings.",
        choices=ARCH_NAMES,
    )
    epochs: int = setting(
        5,
        "Passes over the training images.",
        bounds=Bounds(1, limits.EPOCHS_MAX, why="far past where MNIST stops improving; the original example trains 5"),
    )
    batch_size: int = setting(
        32,
        "Images per learning step: the weights change once per batch.",
        bounds=Bounds(1, limits.BATCH_MAX, why="MNIST's whole training set in one step"),
        page=Bounds(1, 4096),
    )
    row_units: int = setting(
        128,
        "Hidden units of the row reader, the first LSTM, which reads each pixel row left to right into a vector.",
        bounds=Bounds(1, limits.UNITS_MAX, why=UNITS_WHY),
    )
    image_units: int = setting(
        128,
        "Hidden units of the image reader, the second LSTM, which reads the 28 row vectors top to bottom into one "
        "image vector.",
        bounds=Bounds(1, limits.UNITS_MAX, why=UNITS_WHY),
        old_names=("col_units",),  # its name until December 2026: old records, flags, --set and links still use it
    )
    optimizer: str = setting("rmsprop", "How the weights are updated from each batch's gradient.", choices=OPTIMIZERS)
    learning_rate: float = setting(
        1e-3,  # Keras's RMSprop default, as in the example
        "How big each update step is. Too big and the loss jumps about; too small and it learns slowly.",
        bounds=Bounds(0.0, 10.0, low_open=True, high_open=True),
        page=Bounds(1e-6, 1.0),
    )
    schedule: str = setting(
        "constant",
        "constant: the same learning rate throughout; cosine: it shrinks smoothly to 0 by the end.",
        choices=SCHEDULES,
    )
    clipnorm: float | None = setting(
        None,  # None: no clipping, as the example
        "Caps the size of each weight's gradient, so one odd batch cannot throw the weights far off. Off unless set.",
        bounds=Bounds(0.0, 1e6, low_open=True),
        page=Bounds(0.0, 1000.0),  # the page's 0 is "off" (None)
    )
    # Initialisation. Keras's Glorot default spreads one input pixel over the row reader's 4 x units gate inputs,
    # so its input weights start near +-0.1 and a pixel barely moves the gates: the loss then sits at chance
    # (2.3) for thousands of images. Scaling those weights up lets the first batches learn.
    row_input_scale: float = setting(
        1.0,
        "Multiplies the row reader's starting input weights. Keras's default (1) starts them so small that a pixel "
        "barely registers and the loss sits at 2.3 for the first few thousand images; 10 learns at once.",
        bounds=Bounds(0.0, 1000.0, low_open=True),
        page=Bounds(0.1, 100.0),
    )
    forget_bias: float = setting(
        1.0,
        "The image reader's starting forget-gate bias (Keras: 1). Higher keeps what the upper rows said longer, "
        "through the blank rows at the bottom of a digit.",
        bounds=Bounds(-100.0, 100.0),
        page=Bounds(-10.0, 10.0),
    )
    train_size: int | None = setting(
        None,  # None: all that are left after validation
        "How many images to learn from (a stratified sample; all unless set). Images held out for validation are never "
        "among them.",
        bounds=Bounds(1),
        page=Bounds(10),  # at most the data's training images
    )
    validation: str = setting(
        "split",
        "split: hold out val-size training images; test: validate on the test set, the original example's "
        "protocol; none.",
        choices=VALIDATIONS,
    )
    val_size: int = setting(
        5000, "Training images held out for validation with validation split (at most 10% of them).", bounds=Bounds(1)
    )
    val_limit: int | None = setting(
        None, "Validate on at most this many held-out images per epoch (live runs).", flag=False, bounds=Bounds(1)
    )
    test_limit: int | None = setting(
        None, "Test on at most this many test images at the end; 0 skips the test.", flag=False, bounds=Bounds(0)
    )
    seed: int = setting(0, "Seeds the weights, the split and the shuffling.", bounds=Bounds(0, limits.SEED_MAX))

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
        a value outside its field's bounds (`SETTINGS`; the sizes' upper bounds are `hrnn.train.limits`'), of the
        wrong type, or not one of its field's choices. Whether a valid config fits this machine's free memory is a
        separate question, asked where a run starts: `hrnn.train.limits.check_fits_machine`."""
        for name, field_setting in SETTINGS.items():
            problem = field_setting.refusal(getattr(self, name))
            if problem:
                raise ValueError(problem)
        return self


SETTINGS = settings_of(TrainConfig)  # field name -> `hrnn.train.setting.Setting`, in TrainConfig's order
# A setting's old name -> its name now (`col_units` -> `image_units`): accepted wherever a person types a name.
RENAMED = {old: name for name, field_setting in SETTINGS.items() for old in field_setting.old_names}


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
    "image_units",
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
        name = RENAMED.get(name, name)
        if not sep or name not in SETTINGS:
            raise ValueError(f"--set {item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(SETTINGS))}")
        changes[name] = SETTINGS[name].parse(text)
    return replace(config, **changes).check()
