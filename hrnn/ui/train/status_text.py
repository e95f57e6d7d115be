"""What the Train page's progress bar says of the watched run: queued (its place in line), starting, training (the
epoch, batch, speed and time left), stopping, not responding, interrupted; and who stopped it."""

import time

from hrnn import runs
from hrnn.runs.store.records import epoch_seconds
from hrnn.ui.common.resources import run_capacity, runs_dir
from hrnn.ui.train import queue_wait

PHASE_TEXT = {
    "validating": "Checking the epoch on the validation digits...",
    "testing": "Scoring the model on the test digits...",
    "saving": "Saving the model...",
}


def _since_asked(entry):
    """ " (12 s)": the seconds since the run was asked for, so that a start that takes a while still moves."""
    asked = epoch_seconds(entry.summary.created) if entry.summary else None
    return f" ({max(0, time.time() - asked):.0f} s)" if asked is not None else ""


def queued_text(entry):
    """A queued run's place in line and a guess of its wait; or, while a slot is free for it, that it is starting
    (its worker takes the slot when it is ready: a worker still loading TensorFlow has not yet)."""
    entries, capacity = runs.list_runs(runs_dir()), run_capacity()
    training = sum(1 for e in entries if e.live and e.status == "running")
    if entry.queue_position and entry.queue_position <= capacity - training:
        return f"Starting{_since_asked(entry)}: the worker is loading TensorFlow and the data..."
    return queue_wait.queued_words(entry, entries, capacity)


STOPPED_BY = {
    runs.STOPPED_BY_OWNER: "by the person who started it",
    runs.STOPPED_BY_SERVER: "from the server",
}


def stopped_by_text(folder):
    """Who asked the run in `folder` to stop, in a few words ("by the person who started it"), or "" when nobody
    did or the request does not say."""
    request = folder.read_stop_request()
    return STOPPED_BY.get(request.by, "") if request is not None else ""


def not_responding_text(entry, owner):
    beat = entry.folder.read_heartbeat()
    silent = f" for {runs.heartbeat_age(entry.folder, beat, time.time()):.0f} s" if beat is not None else ""
    if not owner:
        asked = " Whoever started it, or the server's operator, can stop it."
    else:
        asked = " Stop again to end it at once." if entry.folder.stop_requested else " Stop ends it."
    return f"Not responding: its worker has not reported{silent} (paused or stuck); runs no longer wait for it.{asked}"


def status_text(entry, snap, owner):
    status = entry.status
    if status == "queued":
        return queued_text(entry)
    if status == runs.INTERRUPTED:
        return "Interrupted: its worker ended before the run did"
    if status == runs.NOT_RESPONDING:
        return not_responding_text(entry, owner)
    if status != "running":
        return status.capitalize()
    if entry.folder.stop_requested:
        who = stopped_by_text(entry.folder)
        return f"Stopping after the current batch{', asked ' + who if who else ''}: what it trained is saved..."
    if snap.samples_seen == 0:
        return f"Starting{_since_asked(entry)}: preparing the data and the model..."
    eta = f"about {snap.eta_seconds:.0f} s left" if snap.eta_seconds is not None else "estimating time left"
    doing = PHASE_TEXT.get(snap.phase, f"Epoch {snap.epoch} of {snap.epochs}, batch {snap.step}/{snap.steps_per_epoch}")
    if snap.phase == "training" and snap.step == 0 and snap.epoch > 1:  # a pass's start can take seconds
        doing = f"Epoch {snap.epoch} of {snap.epochs}: starting its first batch..."
    return f"{doing} - {snap.samples_per_second:.0f} images/s - {eta}"
