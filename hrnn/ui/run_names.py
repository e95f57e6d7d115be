"""Runs named for people: "quick demo, 3 of 3 epochs, 97.1% test", "quick demo 97.1% (Nov 29 08:33)"."""

import calendar
import time


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


def run_label(entry):
    """A short label for pickers (the sidebar is narrow): what it is, how it did, when: "quick demo 97.1%
    (Nov 29 08:33)"; a run that did not finish says how it ended."""
    if entry.summary is None:
        return f"{entry.run_id} ({entry.status})"
    accuracy, _ = entry.accuracy
    parts = [run_kind(entry)]
    if entry.status != "finished":
        parts.append(entry.status)
    if accuracy is not None:
        parts.append(f"{accuracy:.1%}")
    return f"{' '.join(parts)} ({started_text(entry.run_id)})"


def started_text(run_id):
    """When a run was started, from its id, in this machine's local time: "Nov 29 08:33" (the id if it has no
    time in it)."""
    try:
        stamp = calendar.timegm(time.strptime(run_id[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        return run_id
    return time.strftime("%b %d %H:%M", time.localtime(stamp))


def ordinal(n):
    """1st, 2nd, 3rd, 4th, 11th, 21st: a place in the queue."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
