"""`python -m hrnn train`: a run started from the command line, watched in the terminal with a progress bar."""

import logging
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from hrnn import settings
from hrnn.cli.startup import import_tensorflow

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


ENDED = ("finished", "stopped", "failed")  # a run's statuses once it has ended
LOG_SECONDS = 30  # in a log file (not a terminal) the bar is printed at most this often, and at the end


def _progress_line(snap, width=30):
    """The progress bar of `snap` (a `ProgressSnapshot`), starting with a carriage return. A finished run's shows
    100%; a stopped or failed one's, how far it got and how it ended."""
    finished = snap.status == "finished"
    done = 1.0 if finished else snap.samples_seen / snap.samples_total if snap.samples_total else 0.0
    step = snap.steps_per_epoch if finished else snap.step
    bar = "#" * int(done * width) + "-" * (width - int(done * width))
    loss = f"loss {snap.batch_loss[-1]:.4f}" if snap.batch_loss else ""
    ended = f" {snap.status}" if snap.status in ENDED and not finished else ""
    return (
        f"\repoch {snap.epoch}/{snap.epochs} [{bar}] {100 * done:5.1f}% {step}/{snap.steps_per_epoch}{ended} "
        f"{snap.samples_per_second:6.0f} samples/s ETA {_format_seconds(snap.eta_seconds)} {loss}"
    )


class ProgressPrinter:
    """Prints a run's progress as its log grows: the bar on stderr, each finished epoch's line on stdout.

    On a terminal the bar is redrawn in place; in a log file a line is printed every `LOG_SECONDS`. Either way the
    last frame, printed by `poll(last=True)` once the run has ended, is the run's end, never a frame from before.
    """

    def __init__(self, reader, tty):
        self.reader, self.tty = reader, tty  # a `ProgressLogReader`; whether stderr is a terminal
        self._epochs_printed, self._last_line, self._last_time = 0, "", None

    def poll(self, last=False):
        """Print what the log holds that is new; `last`: the run has ended, print its last frame whenever it is."""
        snap = self.reader.snapshot()
        line = _progress_line(snap) if snap.steps_per_epoch else ""
        due = self.tty or last or self._last_time is None or time.monotonic() - self._last_time > LOG_SECONDS
        if line and line != self._last_line and due:
            print(line if self.tty else line.lstrip("\r"), end="" if self.tty else "\n", file=sys.stderr, flush=True)
            self._last_line, self._last_time = line, time.monotonic()
        for entry in snap.epoch_history[self._epochs_printed :]:
            print(("\n" if self.tty else "") + _epoch_line(entry), flush=True)
        self._epochs_printed = len(snap.epoch_history)


def check_output_folder(folder, what):
    """Refuse `folder` as the place for a run's files unless it is, or can be made, a writable folder.

    Creates nothing that stays: names too long for the file system are refused first, then writability is tried
    with a temporary file in the nearest existing folder, which catches read-only folders and file systems such as
    /proc, whoever runs it.

    Raises:
        ValueError: one line naming `what` (the option) and the path.
    """
    folder = Path(folder).expanduser().absolute()
    existing = folder
    while not os.path.exists(existing) and existing != existing.parent:  # False, not an error, for a too-long name
        existing = existing.parent
    _check_name_lengths(folder, existing, what)
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


RUN_DIR_SLACK = 64  # the longest name a run writes in its folder, with the temporary suffix of an atomic write


def _check_name_lengths(folder, existing, what):
    """Refuse a `folder` (absolute) whose names, or whole path, are longer than the file system of `existing` (its
    nearest existing folder) allows: caught here, before the first folder of it is made and left behind."""
    try:
        name_max, path_max = os.pathconf(existing, "PC_NAME_MAX"), os.pathconf(existing, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096  # POSIX systems' usual limits
    for name in folder.relative_to(existing).parts:
        size = len(os.fsencode(name))
        if size > name_max:
            length = f"{len(name)} characters" if size == len(name) else f"{size} bytes"
            raise ValueError(
                f"{what} {folder}: a name in it is {length} long; this file system allows at most {name_max}"
            )
    size = len(os.fsencode(str(folder))) + RUN_DIR_SLACK
    if size > path_max:
        raise ValueError(
            f"{what} {folder}: the path is too long ({size - RUN_DIR_SLACK:,} bytes); this file system allows "
            f"{path_max:,}, less {RUN_DIR_SLACK} for the files in it"
        )


def check_new_run_folder(folder, what):
    """Refuse `folder` for a new run if it holds a run's files already: a run training now, or one that has ended,
    whose record, token and model a new run would replace. Reads only; call before anything touches the folder.

    Raises:
        ValueError: one line naming `what` (the option), the path and the run's status.
    """
    from hrnn import runs

    folder = Path(folder).expanduser().absolute()
    if not os.path.isdir(folder):  # False, not an error, for a path that cannot be a folder
        return
    run_files = (runs.SETTINGS_NAME, runs.RECORD_NAME, runs.SUMMARY_NAME, runs.MODEL_NAME, runs.PROGRESS_NAME)
    found = [name for name in run_files if os.path.lexists(folder / name)]
    if not found:
        return
    entry = runs.read_entry(runs.RunFolder(folder))
    if entry is not None and entry.active:
        raise ValueError(
            f"{what} {folder}: holds a run that is training now ({entry.summary.status}); name a new folder"
        )
    detail = entry.status if entry is not None else ", ".join(found)
    raise ValueError(f"{what} {folder}: holds a run already ({detail}); name a new folder")


def _same_folder(path, folder):
    """Whether `path` and `folder` name the same folder (links followed)."""
    return Path(path).expanduser().resolve() == Path(folder).expanduser().resolve()


def _is_inside(path, folder):
    path, folder = Path(path).expanduser().absolute(), Path(folder).expanduser().absolute()
    return path == folder or folder in path.parents


def _train_config(args, n_available=None):
    """The `TrainConfig` that `args` ask for, checked: the preset's (`--preset`), else the original example's,
    with the flags given. The demo's images and epochs fit the data once its size is known (`n_available`
    training images), unless flags set them.

    Raises:
        ValueError: one line naming the first bad setting.
    """
    from hrnn.train.config import PRESETS, SETTINGS, TrainConfig, preset_config

    given = {name: getattr(args, name) for name, s in SETTINGS.items() if s.flag and hasattr(args, name)}
    base = PRESETS[args.preset] if args.preset else TrainConfig()
    if args.preset and n_available is not None:
        base = preset_config(args.preset, min(given.get("train_size") or n_available, n_available))
    return replace(base, **given).check()


def cmd_train(args):
    from hrnn import runs
    from hrnn.data.mnist import load_mnist
    from hrnn.data.splits import held_out_count
    from hrnn.runs.launch.launcher import create_run
    from hrnn.runs.launch.worker import StopRequest, execute
    from hrnn.runs.store.progress_log import ProgressLogReader
    from hrnn.train import limits
    from hrnn.words import outcome_words

    config = _train_config(args)
    limits.check_fits_machine(config)
    # Everything the user chose is checked before the run folder exists: a refused argument leaves nothing behind,
    # and an existing run is never written over.
    runs_root = settings.runs_dir()
    run_dir = args.out or os.path.join(runs_root, runs.new_run_id())
    what = "--out" if args.out else "runs folder"
    if args.out and _same_folder(run_dir, runs_root):  # its files would lie among the runs' folders, unlisted
        raise ValueError(
            f"--out {Path(run_dir).expanduser().absolute()}: is the runs folder itself, which holds a folder per run; "
            "name a new folder (or leave --out out)"
        )
    check_new_run_folder(run_dir, what)
    check_output_folder(run_dir, what)
    if _is_inside(run_dir, runs_root):
        limits.check_runs_disk(runs_root)
    import_tensorflow(args.verbose)
    data = load_mnist(args.data)
    available = len(data.y_train) - held_out_count(len(data.y_train), config)
    config = _train_config(args, available)
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
    printer = ProgressPrinter(ProgressLogReader(folder.progress_path), tty=sys.stderr.isatty())  # the app's view

    def report():
        while not done.wait(0.5):
            printer.poll()
        printer.poll(last=True)  # after training has ended: the run's last frame, and no epoch line lost

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    try:
        record = execute(folder, data=data, stop=stop, on_queued=on_queued)
    finally:
        done.set()
        reporter.join()
        signal.signal(signal.SIGINT, previous)
    print(f"\n{outcome_words(record)}", flush=True)
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
