"""`python -m hrnn train`: a run started from the command line, watched in the terminal with a progress bar."""

import logging
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from hrnn import settings

log = logging.getLogger(__name__)


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


def check_output_folder(folder, what):
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


def cmd_train(args):
    from hrnn import runs
    from hrnn.data.mnist import load_mnist
    from hrnn.data.splits import held_out_count
    from hrnn.runs.launcher import create_run
    from hrnn.runs.progress_log import ProgressLogReader
    from hrnn.runs.worker import StopRequest, execute
    from hrnn.train import limits
    from hrnn.train.config import SETTINGS, TrainConfig

    config = TrainConfig(**{name: getattr(args, name) for name, s in SETTINGS.items() if s.flag}).check()
    limits.check_fits_machine(config)
    # Everything the user chose is checked before the run folder exists: a refused argument leaves nothing behind.
    runs_root = settings.runs_dir()
    run_dir = args.out or os.path.join(runs_root, runs.new_run_id())
    check_output_folder(run_dir, "--out" if args.out else "runs folder")
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
    text = f"epoch {entry.epoch}: loss {entry.loss:.4f} acc {entry.accuracy:.4f}"
    if entry.val_loss is not None:
        text += f" - val_loss {entry.val_loss:.4f} val_acc {entry.val_accuracy:.4f}"
    return text + (f" ({entry.seconds:.0f} s)" if entry.seconds is not None else "")
