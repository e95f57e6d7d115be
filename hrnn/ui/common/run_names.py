"""Runs named for people: "quick demo, 3 of 3 epochs, 97.1% test" (`run_name`, shared with the command line in
`hrnn.words`), "quick demo, 97.1% test (Nov 29 08:33)"."""

import calendar
import time

from hrnn.words import run_kind
from hrnn.words import run_name as run_name  # the app's pages name runs from here; the CLI, from hrnn.words


def run_label(entry):
    """A short label for pickers (the sidebar is narrow), in the words of the saved-runs table's name (`run_name`)
    less its epochs: what it is, how it ended if not finished, how it did and on what, when: "quick demo, 97.1% test
    (Nov 29 08:33)", "cnn baseline, stopped, 62.0% val (Nov 29 09:00)"."""
    if entry.summary is None:
        return f"{entry.run_id} ({entry.status})"
    accuracy, on = entry.accuracy
    parts = [run_kind(entry)]
    if entry.status != "finished":
        parts.append(entry.status)
    if accuracy is not None:
        parts.append(f"{accuracy:.1%} {on}")
    return f"{', '.join(parts)} ({started_text(entry.run_id)})"


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
