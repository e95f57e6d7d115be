"""The spare worker: `python -m hrnn worker --spare`, started ahead of need by the local launcher.

It imports TensorFlow, loads the data and builds the demo preset's model, then waits on its stdin for the folder of
the next run and runs it as any worker does (`hrnn.runs.launch.worker.execute`): the first batch of a run it takes comes
sooner than in a fresh process, which must import TensorFlow and load the data first (see docs/architecture.md,
"The warm spare").
"""

import logging
import select
import sys

from hrnn.data.mnist import load_mnist
from hrnn.runs.launch.worker import limit_threads, run_to_exit_status, send_output_to
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.records import LOG_NAME

log = logging.getLogger(__name__)

SPARE_DELAY_SECONDS = 5.0  # a new spare waits this long before it warms up


def warm_up(data, config=None):
    """Build `config`'s model (the demo preset's) into the default model pool, so that the next run with the same
    model sizes and optimizer starts from it; and load the native LSTM op, building it the first time on this machine
    (about a minute, spent here rather than in a run's start: `hrnn.nn.native`).

    It traces nothing. A warm-up that also traced the training graph (a short `fit`) saved the run's first batch
    about 7 s, but every such run then stalled 15-19 s after an epoch's model save, in the middle of the demo, and
    took 6-12 s longer in all (the full-MNIST demo through a spare, one run each: 87 s with the tracing warm-up, 81 s
    without, 75 s with no warm-up at all; docs/performance.md). `data` is unused: the signature is the spare's."""
    from hrnn.train.config import DEMO
    from hrnn.train.loop import lstm_kernel
    from hrnn.train.pool import DEFAULT_POOL

    del data
    config = config or DEMO
    lstm_kernel(config)
    DEFAULT_POOL.release(DEFAULT_POOL.acquire(config), config)


def run_spare(data_spec, max_runs, stdin=None, delay=SPARE_DELAY_SECONDS):
    """`python -m hrnn worker --spare`: get ready, then run the one run whose folder arrives on stdin.

    Ready means TensorFlow imported, `data_spec` loaded and the demo preset's model built: several seconds of CPU,
    which it spends only after `delay` seconds (a spare starts as the previous one takes a run, and that run's first
    batches should have the CPU). A run that arrives sooner starts at once, without the warm-up. The line on stdin
    is the run folder's path; an empty stdin (whoever started the spare has gone) ends it with nothing to do.
    Returns the exit status, as `hrnn.runs.launch.worker.run_process`.
    """
    stdin = stdin or sys.stdin
    arrived, _, _ = select.select([stdin], [], [], delay)
    line = stdin.readline().strip() if arrived else None
    if line == "":
        return 0
    limit_threads(max_runs)
    data = None
    try:
        data = load_mnist(data_spec)
        if line is None and not select.select([stdin], [], [], 0)[0]:  # a run that came meanwhile goes first
            warm_up(data)
    except Exception:  # a failed warm-up costs the run its speed, not its start
        log.exception("the spare worker could not warm up")
    if line is None:
        line = stdin.readline().strip()
        if not line:
            return 0
    folder = RunFolder(line)
    send_output_to(folder.file(LOG_NAME))  # from here on, this process's output belongs to its run
    return run_to_exit_status(folder, data=data)
