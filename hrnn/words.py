"""The words both front ends say alike: a run's name ("quick demo, 3 of 3 epochs, 97.1% test"), a preset's, what a
model was trained on ("55,000 training digits of full MNIST"). The app's pages (`hrnn.ui`) and the command line
(`hrnn.cli`) name things from here, so that the two name them alike; the packages below hand them data (a preset's
key, a `DataKind`, counts) and never words. It reads those packages' names only, and loads nothing.
"""

from hrnn.data.mnist_files import DataKind
from hrnn.train.config import CUSTOM, preset_of

PRESET_WORDS = {"demo": "quick demo", "fast": "fast preset", "original": "original Keras example"}
DATA_KIND_WORDS = {DataKind.FULL: "full MNIST", DataKind.SAMPLE: "the offline sample", DataKind.OTHER: "MNIST"}


def preset_words(preset, arch="hrnn"):
    """A preset's key (`hrnn.train.config.PRESETS`, or `CUSTOM`) in words, for a model of architecture `arch`:
    "quick demo", "original Keras example", "custom HRNN", "cnn baseline"; "HRNN" for "" (runs from before presets,
    whose summaries do not say)."""
    if preset in PRESET_WORDS:
        return PRESET_WORDS[preset]
    if arch != "hrnn":
        return f"{arch} baseline"
    return "custom HRNN" if preset == CUSTOM else "HRNN"


def config_words(config):
    """In words, which preset `config` follows: "quick demo", "original Keras example", else what it is ("custom
    HRNN", "flat-lstm baseline", "cnn baseline")."""
    return preset_words(preset_of(config), config.arch)


def run_kind(entry):
    """What a listed run (`hrnn.runs.RunEntry`) is, in words: its preset, else its architecture."""
    return preset_words(entry.summary.preset, entry.summary.arch)


def run_name(entry):
    """A listed run (`hrnn.runs.RunEntry`) in words, for people: "quick demo, 3 of 3 epochs, 97.1% test"."""
    s = entry.summary
    if s is None:
        return f"unreadable run {entry.run_id}"
    planned = s.epochs if s.epochs is not None else "?"
    text = f"{run_kind(entry)}, {s.epochs_done} of {planned} epoch{'' if planned == 1 else 's'}"
    accuracy, on = entry.accuracy
    return text + (f", {accuracy:.1%} {on}" if accuracy is not None else "")


def trained_on(data_kind, train_images=None):
    """What a model was trained on, in words, from its record's `data_kind` (a `DataKind` value, or "" where the
    record does not say) and its count `train_images`: "4,500 training digits of the offline sample", "55,000
    training digits of full MNIST"; the kind alone where there is no count, "" where there is no kind."""
    try:
        kind = DATA_KIND_WORDS[DataKind(data_kind)]
    except ValueError:  # "" or a kind this hrnn does not know
        return ""
    return f"{train_images:,} training digits of {kind}" if train_images else kind


def data_words(data):
    """Which data an `hrnn.data.mnist.MnistData` holds, for people, without paths: "full MNIST: 60,000 training and
    10,000 test digits", "offline sample of MNIST: 5,000 training and 1,000 test digits"."""
    counts = f"{len(data.y_train):,} training and {len(data.y_test):,} test digits"
    return (
        "offline sample of MNIST: " + counts
        if data.kind == DataKind.SAMPLE
        else f"{DATA_KIND_WORDS[data.kind]}: {counts}"
    )


def trained_words(epochs, batches=0):
    """How much a run trained: "2 epochs", "1 epoch and 55 batches", "279 batches of its first epoch" (never "0
    epochs and 279 batches"), from its finished `epochs` and the `batches` of one it did not finish."""
    text = f"{epochs} epoch" + ("" if epochs == 1 else "s")
    if not batches:
        return text
    part = f"{batches} batch" + ("" if batches == 1 else "es")
    return f"{part} of its first epoch" if epochs == 0 else f"{text} and {part}"


def outcome_words(record):
    """How a run (its `TrainReport` or `RunRecord`) ended, in words: "finished after 3 epochs in 61 s; test accuracy
    93.2%", "stopped after 1 epoch and 55 batches in 40 s", "stopped before it started"; a record from before these
    were counted, in its own words; else its status."""
    if record.partial_epoch_batches is None or record.wall_seconds is None:  # it never trained, or an old record
        if record.message:
            return record.message
        return "stopped before it started" if record.status == "stopped" and record.started is None else record.status
    trained = trained_words(len(record.history.epochs), record.partial_epoch_batches)
    text = f"{record.status} after {trained} in {record.wall_seconds:.0f} s"
    return text + (f"; test accuracy {record.test_accuracy:.1%}" if record.test_accuracy is not None else "")
