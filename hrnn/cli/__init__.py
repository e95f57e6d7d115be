"""The headless command line: `python -m hrnn train | evaluate | bench | runs | stop | worker`.

Errors a user can fix (bad arguments, bad files, paths, permissions, sizes) print one line, `hrnn: error: ...`,
and exit with status 2; arguments and output paths are checked before anything is written. `--verbose` also logs
the full traceback.

Holds `main` and the error handling; the arguments are in `parser`, `train` in `train`, the other commands in
`commands`. May import every package except `hrnn.ui`. Commands import TensorFlow (`startup`) only once their
arguments are checked and only when they need it, so that `runs`, `stop` and a refused argument answer at once.
"""

import logging
import os
import sys
import time

from hrnn import settings
from hrnn.cli.commands import cmd_bench, cmd_evaluate, cmd_runs, cmd_stop, cmd_worker
from hrnn.cli.parser import PROG, build_parser
from hrnn.cli.train import cmd_train
from hrnn.errors import one_line

log = logging.getLogger(__name__)


def _refusals():
    """The errors that mean bad input (one line, status 2). `ModelFileError` only once `hrnn.nn.model_files` is
    loaded: a command that never loads it (runs, stop, a queued worker) cannot raise it, and should not pay for
    Keras."""
    from hrnn.data.mnist import DataError
    from hrnn.runs.launch.worker import RunBusy
    from hrnn.runs.store.records import RecordError

    model = sys.modules.get("hrnn.nn.model_files")
    return (DataError, RecordError, RunBusy, ValueError, OSError) + ((model.ModelFileError,) if model else ())


def main(argv=None):
    """Entry point; returns the exit status: 0 done, 2 refused input, 130 interrupted, 1 an unexpected error."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported: hide its C++ banners
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.getLogger("hrnn").setLevel(logging.DEBUG)
    started = time.perf_counter()
    try:
        settings.check()  # every HRNN_* limit, once, before any command: one line naming a wrong one
        commands = {
            "train": cmd_train,
            "evaluate": cmd_evaluate,
            "bench": cmd_bench,
            "runs": cmd_runs,
            "stop": cmd_stop,
            "worker": cmd_worker,
        }
        status = commands[args.command](args)
    except _refusals() as exc:
        log.debug("%s refused", args.command, exc_info=True)
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{PROG}: aborted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or the machine, not the input: still one line; --verbose has the traceback
        log.debug("%s failed", args.command, exc_info=True)
        if isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError":
            print(
                f"{PROG}: error: out of memory at these sizes; try a smaller --batch-size or fewer units",
                file=sys.stderr,
            )
            return 2
        hint = "" if args.verbose else " (--verbose shows the traceback)"
        print(f"{PROG}: error: {type(exc).__name__}: {one_line(exc)}{hint}", file=sys.stderr)
        return 1
    log.debug("%s took %.1f s", args.command, time.perf_counter() - started)
    return status
