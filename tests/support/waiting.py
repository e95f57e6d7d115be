"""Waiting for something another process or thread does."""

import time

WORKER_START_SECONDS = 240  # long enough for a fresh worker to import TensorFlow on a machine that may be busy


def wait_until(predicate, timeout=WORKER_START_SECONDS, poll=0.2):
    """Poll `predicate` every `poll` seconds until it is true (returns True) or `timeout` seconds have passed (returns
    whether it is true by then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return bool(predicate())
