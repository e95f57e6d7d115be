"""Snapshots of random states shaped as a run's, and the tolerances their stored forms keep."""

import numpy as np

from hrnn.nn.memory import LstmMemory
from hrnn.train.snapshots import Snapshot

UNITS = 6
LABELS = tuple(k % 10 for k in range(20))
FLOAT16 = dict(rtol=2**-11, atol=2**-24)  # float16 keeps 11 significant bits, and steps of 2**-24 below 2**-14
EIGHT_BITS = dict(rtol=0, atol=1 / 254 + 1e-6)  # h in 8-bit codes: steps of 1/127, rounded to the nearest


def make_snapshot(step, full=False, seed=None):
    """A snapshot of random states shaped as a run's: 20 digits, 28 rows, `UNITS` units."""
    rng = np.random.default_rng(step if seed is None else seed)

    def states(low=-1.0, high=1.0):
        return rng.uniform(low, high, (20, 28, UNITS)).astype(np.float32)

    probs = rng.dirichlet(np.ones(10), 20).astype(np.float32)
    memory = LstmMemory(states(), states(-4, 4), states(0, 1), states(0, 1), states(0, 1), states())
    return Snapshot(step, 32 * step, 0.5 * step, full, LABELS, probs, memory)
