"""A run's name, the one the app and the command line show: "quick demo, 3 of 3 epochs, 97.1% test" (standard
library only), and what a model was trained on. Made here, below both front ends, so that the two name a run alike."""


def run_kind(entry):
    """What the run is, in words: its preset, else its architecture (summaries from before presets)."""
    s = entry.summary
    return s.preset or ("HRNN" if s.arch == "hrnn" else f"{s.arch} baseline")


def run_name(entry):
    """A `RunEntry` in words, for people: "quick demo, 3 of 3 epochs, 97.1% test"."""
    s = entry.summary
    if s is None:
        return f"unreadable run {entry.run_id}"
    planned = s.epochs if s.epochs is not None else "?"
    text = f"{run_kind(entry)}, {s.epochs_done} of {planned} epoch{'' if planned == 1 else 's'}"
    accuracy, on = entry.accuracy
    return text + (f", {accuracy:.1%} {on}" if accuracy is not None else "")


def trained_on(data, train_images=None):
    """What a model was trained on, in words, from its record's `data` (as `hrnn.data.splits` writes it: "offline
    MNIST sample (...): ...") and its stored count `train_images`: "4,500 training digits of the offline sample",
    "55,000 training digits of full MNIST"; the kind alone where the record has no count, "" where it has no data."""
    if not data:
        return ""
    if data.startswith("offline MNIST sample"):
        kind = "the offline sample"
    elif "60,000 training and 10,000 test" in data:
        kind = "full MNIST"
    else:
        kind = "MNIST" if "MNIST" in data else "its data"
    return f"{train_images:,} training digits of {kind}" if train_images else kind
