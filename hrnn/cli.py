"""The headless command line: `python -m hrnn train | evaluate | bench | runs | stop | worker`.

Errors a user can fix (bad arguments, bad files, paths, permissions, sizes) print one line, `hrnn: error: ...`,
and exit with status 2; arguments and output paths are checked before anything is written. `--verbose` also logs
the full traceback.
"""

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from hrnn.bench import WARMUP_AND_WINDOW

PROG = "hrnn"
log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{PROG}: error: {message}\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _nonnegative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value != value:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _seed(text):
    from hrnn.limits import SEED_MAX

    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to {SEED_MAX}, got {text!r}")
    return value


def build_parser():
    from hrnn.config import ARCH_NAMES, OPTIMIZERS, SCHEDULES, VALIDATIONS, TrainConfig

    d = TrainConfig()
    parser = _Parser(
        prog=f"python -m {PROG}",
        description="Train, evaluate and benchmark the hierarchical RNN on MNIST; list and stop training runs.",
    )
    verbose_help = "on an error, also log the full traceback"
    parser.add_argument("--verbose", "-v", action="store_true", help=verbose_help)
    # Also accepted after the command; SUPPRESS keeps a subcommand from resetting what was given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help=verbose_help)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser(
        "train", parents=[common], help="train a model in this process; writes a run folder the app can watch"
    )
    t.add_argument(
        "--arch",
        choices=ARCH_NAMES,
        default=d.arch,
        help="hrnn (default): the hierarchical RNN; flat-lstm: one LSTM reading the 28 rows as 28 steps "
        "(uses --col-units); cnn: a small convolutional net (keras-io mnist_convnet shape, no unit sizes)",
    )
    t.add_argument("--epochs", type=_positive_int, default=d.epochs, help=f"passes over the data (default {d.epochs})")
    t.add_argument("--batch-size", type=_positive_int, default=d.batch_size, help=f"default {d.batch_size}")
    t.add_argument(
        "--row-units", type=_positive_int, default=d.row_units, help=f"row-encoder LSTM size (default {d.row_units})"
    )
    t.add_argument(
        "--col-units", type=_positive_int, default=d.col_units, help=f"column-encoder LSTM size (default {d.col_units})"
    )
    t.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer, help=f"default {d.optimizer}")
    t.add_argument("--learning-rate", type=_positive_float, default=d.learning_rate, help=f"default {d.learning_rate}")
    t.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=d.schedule,
        help="learning-rate schedule (default constant, as the seed)",
    )
    t.add_argument(
        "--clipnorm", type=_positive_float, default=d.clipnorm, help="clip each weight's gradient norm (default off)"
    )
    t.add_argument(
        "--row-input-scale",
        type=_positive_float,
        default=d.row_input_scale,
        help="multiply the row reader's initial input weights (default 1: Keras's; the app's demo uses 10)",
    )
    t.add_argument(
        "--forget-bias",
        type=float,
        default=d.forget_bias,
        help="initial forget-gate bias of the image reader (default 1: Keras's; the app's demo uses 2)",
    )
    t.add_argument(
        "--train-size", type=_positive_int, default=None, help="train on this many images (stratified; default all)"
    )
    t.add_argument(
        "--validation",
        choices=VALIDATIONS,
        default=d.validation,
        help="split: hold out --val-size training images (default); "
        "test: validate on the test set, the original example's protocol; none",
    )
    t.add_argument(
        "--val-size",
        type=_positive_int,
        default=d.val_size,
        help=f"held-out images for --validation split (default {d.val_size})",
    )
    t.add_argument(
        "--data", default="auto", help="MNIST .npz, IDX folder, 'keras', 'sample' or 'auto' (default; see README)"
    )
    t.add_argument(
        "--out", default=None, help="folder for model.keras and record.json (default: a new folder in the runs folder)"
    )
    t.add_argument("--seed", type=_seed, default=d.seed, help=f"0 to 2**32 - 1 (default {d.seed})")

    e = sub.add_parser("evaluate", parents=[common], help="score a saved model on the MNIST test set")
    e.add_argument("model", help="a .keras file, or 'pretrained' for the shipped model")
    e.add_argument("--data", default="auto", help="as for train")
    e.add_argument("--limit", type=_positive_int, default=None, help="score only the first N test images")
    e.add_argument(
        "--shifted",
        action="store_true",
        help="also score the test set moved 2 to 4 pixels left, right, up or down (one shift per image)",
    )
    e.add_argument("--json", action="store_true", help="print JSON instead of text")

    b = sub.add_parser("bench", parents=[common], help="benchmark training and probing against plain Keras")
    b.add_argument("--quick", action="store_true", help="a smoke-test size that finishes in about a minute")
    b.add_argument(
        "--steps",
        type=_positive_int,
        default=None,
        help=f"training batches per round ({BENCH_MIN_STEPS[True]} to {BENCH_MAX_STEPS:,}; default 40, or 160)",
    )
    b.add_argument(
        "--demo",
        action="store_true",
        help="time to accuracy instead: the one-click demo against the original example's settings",
    )
    b.add_argument("--data", default="auto", help="for --demo: as for train (default auto)")
    b.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="for --demo: change one setting of the demo preset (repeatable), e.g. --set learning_rate=0.003",
    )
    b.add_argument("--no-reference", action="store_true", help="for --demo: skip the original settings' run")
    b.add_argument(
        "--json-out", default="bench-results.json", help="where to write the results (default bench-results.json)"
    )

    r = sub.add_parser("runs", parents=[common], help="list the runs folder: status, epochs, accuracies, model")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")

    s = sub.add_parser("stop", parents=[common], help="ask a run to stop after its current batch")
    s.add_argument("run_id", metavar="RUN_ID", help="a run's folder name in the runs folder (see `runs`)")

    w = sub.add_parser("worker", parents=[common], help="run one run's worker (the app starts these)")
    w.add_argument("run_dir", nargs="?", metavar="RUN_DIR", help="the run folder, made by the app or `train`")
    w.add_argument("--spare", action="store_true", help="get ready, then run the folder that arrives on stdin")
    w.add_argument("--data", default="auto", help="for --spare: the MNIST source to load ahead")
    w.add_argument("--max-runs", type=_positive_int, default=None, help="for --spare: the queue's slots")
    w.add_argument("--nice", type=_nonnegative_int, default=0, help="lower this process's priority by this much")
    return parser


def _format_seconds(seconds):
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return (
        f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else f"{seconds // 60:02d}:{seconds % 60:02d}"
    )


def _progress_line(snap, width=30):
    done = snap.samples_seen / snap.samples_total if snap.samples_total else 0.0
    bar = "#" * int(done * width) + "-" * (width - int(done * width))
    loss = f"loss {snap.batch_loss[-1]:.4f}" if snap.batch_loss else ""
    return (
        f"\repoch {snap.epoch}/{snap.epochs} [{bar}] {100 * done:5.1f}% {snap.step}/{snap.steps_per_epoch} "
        f"{snap.samples_per_second:6.0f} samples/s ETA {_format_seconds(snap.eta_seconds)} {loss}"
    )


def _check_output_folder(folder, what):
    """Refuse `folder` as the place for a run's files unless it is, or can be made, a writable folder.

    Creates nothing that stays: writability is tried with a temporary file in the nearest existing folder, which
    catches read-only folders and file systems such as /proc, whoever runs it.

    Raises:
        ValueError: one line naming `what` (the option) and the path.
    """
    folder = Path(folder).expanduser().absolute()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == folder and not folder.is_dir():
        raise ValueError(f"{what} {folder}: exists and is not a folder")
    if not existing.is_dir():
        raise ValueError(f"{what} {folder}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {folder}: {existing} is not writable")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".hrnn-write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{what} {folder}: cannot write in {existing} ({exc.strerror or exc})") from exc


def _is_inside(path, folder):
    path, folder = Path(path).expanduser().absolute(), Path(folder).expanduser().absolute()
    return path == folder or folder in path.parents


def _cmd_train(args):
    from hrnn import limits, runs
    from hrnn.config import TrainConfig
    from hrnn.data import load_mnist
    from hrnn.launcher import create_run
    from hrnn.progress_log import ProgressLogReader
    from hrnn.splits import held_out_count
    from hrnn.worker import StopRequest, execute

    config = TrainConfig(
        arch=args.arch,
        epochs=args.epochs,
        batch_size=args.batch_size,
        row_units=args.row_units,
        col_units=args.col_units,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        schedule=args.schedule,
        clipnorm=args.clipnorm,
        row_input_scale=args.row_input_scale,
        forget_bias=args.forget_bias,
        train_size=args.train_size,
        validation=args.validation,
        val_size=args.val_size,
        seed=args.seed,
    ).check()
    # Everything the user chose is checked before the run folder exists: a refused argument leaves nothing behind.
    runs_root = runs.default_runs_dir()
    run_dir = args.out or os.path.join(runs_root, runs.new_run_id())
    _check_output_folder(run_dir, "--out" if args.out else "runs folder")
    if _is_inside(run_dir, runs_root):
        limits.check_runs_disk(runs_root)
    data = load_mnist(args.data)
    available = len(data.y_train) - held_out_count(len(data.y_train), config)
    if config.train_size is not None and config.train_size > available:
        raise ValueError(
            f"train-size {config.train_size:,} is more than the {available:,} training images available "
            f"with --validation {config.validation}"
        )
    folder = create_run(config, data.spec, root=runs_root, run_dir=run_dir)
    print(f"data: {data.source}", flush=True)
    print(f"architecture: {config.arch}", flush=True)
    print(f"run folder: {run_dir}", flush=True)
    stop = StopRequest(folder)

    def on_sigint(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after the current batch (Ctrl-C again to abort)...", file=sys.stderr, flush=True)

    def on_queued(ahead):
        print(
            f"queued: waiting for a training slot ({ahead} run(s) ahead in {runs_root}; HRNN_MAX_RUNS sets the slots)",
            file=sys.stderr,
            flush=True,
        )

    previous = signal.signal(signal.SIGINT, on_sigint)
    done = threading.Event()
    reader = ProgressLogReader(folder.progress_path)  # the app's view of the run, printed

    def report():
        # On a terminal the bar redraws in place; in a log file it prints a line every 30 s.
        tty = sys.stderr.isatty()
        printed_epochs, last_line, last_time = 0, "", 0.0
        finished = False
        while not finished:
            finished = done.wait(0.5)  # one last pass after training ends, so no epoch line is lost
            snap = reader.snapshot()
            line = _progress_line(snap) if snap.steps_per_epoch else ""
            if line and line != last_line and (tty or time.monotonic() - last_time > 30):
                print(line if tty else line.lstrip("\r"), end="" if tty else "\n", file=sys.stderr, flush=True)
                last_line, last_time = line, time.monotonic()
            for entry in snap.epoch_history[printed_epochs:]:
                print(("\n" if tty else "") + _epoch_line(entry), flush=True)
            printed_epochs = len(snap.epoch_history)

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    try:
        record = execute(folder, data=data, stop=stop, on_queued=on_queued)
    finally:
        done.set()
        reporter.join()
        signal.signal(signal.SIGINT, previous)
    print(f"\n{record.message or record.status}", flush=True)
    if record.test_accuracy is not None:
        print(
            f"test loss {record.test_loss:.4f}, test accuracy {record.test_accuracy:.4f} "
            f"on {record.test_images:,} images"
        )
    if folder.has_model:
        print(f"saved {folder.model_path} and {folder.file(runs.RECORD_NAME)}")
    return 0 if record.status == "finished" else 130


def _epoch_line(entry):
    text = f"epoch {entry['epoch']}: loss {entry['loss']:.4f} acc {entry['accuracy']:.4f}"
    if "val_loss" in entry:
        text += f" - val_loss {entry['val_loss']:.4f} val_acc {entry['val_accuracy']:.4f}"
    return text + f" ({entry['seconds']:.0f} s)"


def _record_arch(model_path):
    """The architecture the run record beside `model_path` names (`record.json`'s config), or None if there is no
    readable record; a record from before architectures were recorded means an HRNN."""
    from hrnn import runs

    record_path = Path(model_path).parent / runs.RECORD_NAME
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return None
    config = record.get("config") if isinstance(record, dict) else None
    return config.get("arch", "hrnn") if isinstance(config, dict) else None


def _cmd_evaluate(args):
    from hrnn.data import load_mnist
    from hrnn.evaluation import score
    from hrnn.model import load_model, load_pretrained, model_architecture
    from hrnn.probe import predict_batch
    from hrnn.shift import shifted_test_set
    from hrnn.splits import to_model_input

    if args.model == "pretrained":
        model = load_pretrained()
    else:
        model = load_model(args.model, arch=_record_arch(args.model))
    arch = model_architecture(model).name
    data = load_mnist(args.data)
    x, y = data.x_test, data.y_test
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    result = score(predict_batch(model, to_model_input(x)), y)
    shifted = None
    if args.shifted:
        moved, _ = shifted_test_set(x)
        shifted = score(predict_batch(model, to_model_input(moved)), y)
    if args.json:
        report = {"model": args.model, "arch": arch, "parameters": model.count_params(), "data": data.source}
        report.update(result.to_dict())
        if shifted is not None:
            report["shifted"] = {"loss": shifted.loss, "accuracy": shifted.accuracy}
        print(json.dumps(report, indent=2))
    else:
        print(f"model: {args.model}\narchitecture: {arch}, {model.count_params():,} parameters\ndata: {data.source}")
        print(result.format_text())
        if shifted is not None:
            print(
                f"\nshifted test images (2 to 4 pixels left, right, up or down): loss {shifted.loss:.4f}, "
                f"accuracy {shifted.accuracy:.4f}"
            )
    return 0


# The benchmark's rounds time windows of batches after a warm-up (5 + 5 with --quick, 10 + 10 without; see
# hrnn/bench.py): fewer batches than warm-up + one window leave nothing to time. The most is MNIST's 60,000
# training images in batches of 32.
BENCH_MIN_STEPS = {quick: warmup + window + 1 for quick, (warmup, window) in WARMUP_AND_WINDOW.items()}
BENCH_MAX_STEPS = 60_000 // 32


def _check_bench_args(args):
    """Refuse bench arguments that would fail or mean nothing only after the benchmark has run.

    Raises:
        ValueError: one line naming the option.
    """
    if args.set:
        from hrnn.config import DEMO, with_overrides

        with_overrides(DEMO, args.set)
    low = BENCH_MIN_STEPS[args.quick]
    if args.steps is not None and not low <= args.steps <= BENCH_MAX_STEPS:
        raise ValueError(
            f"--steps must be from {low} to {BENCH_MAX_STEPS:,}{' with --quick' if args.quick else ''} "
            f"(a warm-up and at least one timed window, within MNIST's training set), got {args.steps}"
        )
    if args.json_out:
        path = Path(args.json_out).expanduser().absolute()
        if path.is_dir():
            raise ValueError(f"--json-out {path}: is a folder; name a file")
        if not path.parent.is_dir():
            raise ValueError(f"--json-out {path}: no folder {path.parent}")
        if path.exists() and not os.access(path, os.W_OK):
            raise ValueError(f"--json-out {path}: is not writable")
        _check_output_folder(path.parent, "--json-out folder")


def _cmd_bench(args):
    _check_bench_args(args)
    if args.demo:
        from hrnn.data import load_mnist
        from hrnn.time_to_accuracy import run_demo_benchmark

        run_demo_benchmark(
            load_mnist(args.data),
            json_out=args.json_out,
            report=lambda line: print(line, flush=True),
            settings=args.set,
            reference=not args.no_reference,
        )
        return 0
    from hrnn.bench import run_benchmark

    run_benchmark(
        quick=args.quick, steps=args.steps, json_out=args.json_out, report=lambda line: print(line, flush=True)
    )
    return 0


def _cmd_runs(args):
    from hrnn import runs

    listed = runs.list_runs()
    if args.json:
        print(json.dumps([_run_json(e) for e in listed], indent=2))
        return 0
    if not listed:
        print(f"no runs in {runs.default_runs_dir()}")
        return 0
    width = max(len(e.run_id) for e in listed)
    print(f"{'RUN':<{width}}  {'STATUS':<12}  {'EPOCHS':>7}  {'VAL ACC':>7}  {'TEST ACC':>8}  MODEL")
    for e in listed:
        s = e.summary
        if s is None:
            print(f"{e.run_id:<{width}}  {e.status}")
            continue
        status = e.status + (f" #{e.queue_position}" if e.queue_position else "")
        epochs = f"{s.epochs_done}/{s.epochs if s.epochs is not None else '?'}"
        val = f"{s.val_accuracy:.4f}" if s.val_accuracy is not None else "-"
        test = f"{s.test_accuracy:.4f}" if s.test_accuracy is not None else "-"
        model = "yes" if e.has_model else "no"
        print(f"{e.run_id:<{width}}  {status:<12}  {epochs:>7}  {val:>7}  {test:>8}  {model}")
    return 0


def _run_json(entry):
    s = entry.summary
    return {
        "run_id": entry.run_id,
        "status": entry.status,
        "queue_position": entry.queue_position,
        "epochs_done": s.epochs_done if s else None,
        "epochs": s.epochs if s else None,
        "val_accuracy": s.val_accuracy if s else None,
        "test_accuracy": s.test_accuracy if s else None,
        "model": entry.has_model,
        "path": str(entry.path),
    }


def _cmd_stop(args):
    from hrnn import runs

    entry = runs.find_run(args.run_id)
    if entry is None:
        raise ValueError(f"no run {args.run_id!r} in {runs.default_runs_dir()} (`python -m {PROG} runs` lists them)")
    if not entry.live:
        raise ValueError(f"run {entry.run_id} is not training ({entry.status})")
    entry.folder.request_stop()
    if entry.summary.status == "queued":
        print(f"asked run {entry.run_id} to stop: it is queued and will not start")
    else:
        print(f"asked run {entry.run_id} to stop: it stops after its current batch and saves what it trained")
    return 0


def _cmd_worker(args):
    from hrnn import limits, worker

    if args.nice:
        os.nice(args.nice)
    if args.spare:
        return worker.run_spare(args.data, args.max_runs or limits.max_runs())
    if not args.run_dir:
        raise ValueError("worker: give a RUN_DIR, or --spare")
    return worker.run_process(args.run_dir)


def _one_line(exc):
    """`exc`'s message as one line (its first), for `hrnn: error: ...`."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _refusals():
    """The errors that mean bad input (one line, status 2). `ModelFileError` only once `hrnn.model` is loaded: a
    command that never loads it (runs, stop, a queued worker) cannot raise it, and should not pay for Keras."""
    from hrnn.data import DataError
    from hrnn.runs import RecordError
    from hrnn.worker import RunBusy

    model = sys.modules.get("hrnn.model")
    return (DataError, RecordError, RunBusy, ValueError, OSError) + ((model.ModelFileError,) if model else ())


TENSORFLOW_COMMANDS = ("train", "evaluate", "bench")  # the commands that import TensorFlow


def _import_tensorflow_quietly():
    """Import TensorFlow with file descriptor 2 pointed at /dev/null.

    Its C++ start-up lines (absl's "All log messages before absl::InitializeLog()..." and oneDNN's notice) are
    written before TF_CPP_MIN_LOG_LEVEL is read, straight to the process's stderr, so only the descriptor itself
    can hold them back. A failing import still raises, after stderr is back; `--verbose` imports it plainly.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def main(argv=None):
    """Entry point; returns the exit status: 0 done, 2 refused input, 130 interrupted, 1 an unexpected error."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported: hide its C++ banners
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.getLogger("hrnn").setLevel(logging.DEBUG)
    elif args.command in TENSORFLOW_COMMANDS:
        _import_tensorflow_quietly()
    started = time.perf_counter()
    try:
        commands = {
            "train": _cmd_train,
            "evaluate": _cmd_evaluate,
            "bench": _cmd_bench,
            "runs": _cmd_runs,
            "stop": _cmd_stop,
            "worker": _cmd_worker,
        }
        status = commands[args.command](args)
    except _refusals() as exc:
        log.debug("%s refused", args.command, exc_info=True)
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
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
        print(f"{PROG}: error: {type(exc).__name__}: {_one_line(exc)}{hint}", file=sys.stderr)
        return 1
    log.debug("%s took %.1f s", args.command, time.perf_counter() - started)
    return status
