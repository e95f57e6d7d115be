"""A run's name, the one the app and the command line show: "quick demo, 3 of 3 epochs, 97.1% test" (standard
library only). Made here, below both front ends, so that the two name a run alike."""


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
