"""`python -m hrnn evaluate | bench | runs | stop | worker`."""

import json
import logging
import os
from pathlib import Path

from hrnn import settings
from hrnn.cli.parser import BENCH_MAX_STEPS, BENCH_MIN_STEPS, PROG
from hrnn.cli.startup import import_tensorflow
from hrnn.cli.train import check_output_folder

log = logging.getLogger(__name__)


def _record_arch(model_path):
    """The architecture the run record beside `model_path` names, or None if there is no readable record."""
    from hrnn import runs

    try:
        record = runs.RunFolder(Path(model_path).parent).read_record()
    except runs.RecordError:
        return None
    return record.config.arch if record.config else "hrnn"


MODEL_HINT = "give 'pretrained' (the shipped model), a .keras file, a run id or a run folder"


def resolve_model(text):
    """The model file that `evaluate`'s argument names: None for "pretrained" (the shipped model); a file as given;
    a run folder's, or the run's of that id in the runs folder, `model.keras`. Reads only the runs folder, so that
    a name that is no model is refused before TensorFlow is imported.

    Raises:
        ValueError: one line: no argument; a run (or run folder) without a model; a name that is neither a file nor
            a run. A path that names no file is left to `load_model`, whose error names it.
    """
    from hrnn import runs

    listed = f"(`python -m {PROG} runs` lists the runs in {settings.runs_dir()})"
    if text is None:
        raise ValueError(f"evaluate needs a model: {MODEL_HINT} {listed}")
    if text == "pretrained":
        return None
    path = Path(text).expanduser()
    if os.path.isdir(path):
        return _run_model(runs.RunFolder(path.absolute()))
    if os.path.lexists(path) or os.sep in text or path.suffix == ".keras":
        return path
    entry = runs.find_run(text)
    if entry is None:
        raise ValueError(f"no run or model file {text!r}: {MODEL_HINT} {listed}")
    return _run_model(entry.folder)


def _run_model(folder):
    """The `model.keras` of a run folder (a `RunFolder`), if it has one yet."""
    from hrnn import runs

    if folder.has_model:
        return folder.model_path
    entry = runs.read_entry(folder)
    if entry is None:
        raise ValueError(f"{folder.path}: a folder with no {runs.MODEL_NAME} and no run; {MODEL_HINT}")
    raise ValueError(f"run folder {folder.path} has no {runs.MODEL_NAME} ({entry.status})")


def cmd_evaluate(args):
    model_path = resolve_model(args.model)
    import_tensorflow(args.verbose)
    from hrnn.analysis.evaluation import score
    from hrnn.data.mnist import load_mnist
    from hrnn.data.shift import shifted_test_set
    from hrnn.data.splits import to_model_input
    from hrnn.nn.architectures import model_architecture
    from hrnn.nn.model_files import load_model, load_pretrained
    from hrnn.nn.probe import predict_batch

    if model_path is None:
        model = load_pretrained()
    else:
        model = load_model(model_path, arch=_record_arch(model_path))
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
        report = {
            "model": args.model,
            "model_path": None if model_path is None else str(model_path),
            "arch": arch,
            "parameters": model.count_params(),
            "data": data.source,
        }
        report.update(result.to_dict())
        if shifted is not None:
            report["shifted"] = {"loss": shifted.loss, "accuracy": shifted.accuracy}
        print(json.dumps(report, indent=2))
    else:
        shown = args.model if model_path is None or str(model_path) == args.model else f"{args.model} ({model_path})"
        print(f"model: {shown}\narchitecture: {arch}, {model.count_params():,} parameters\ndata: {data.source}")
        print(result.format_text())
        if shifted is not None:
            print(
                f"\nshifted test images (2 to 4 pixels left, right, up or down): loss {shifted.loss:.4f}, "
                f"accuracy {shifted.accuracy:.4f}"
            )
    return 0


def _check_bench_args(args):
    """Refuse bench arguments that would fail or mean nothing only after the benchmark has run.

    Raises:
        ValueError: one line naming the option.
    """
    if args.set:
        from hrnn.train.config import DEMO, with_overrides

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
        check_output_folder(path.parent, "--json-out folder")


def cmd_bench(args):
    _check_bench_args(args)
    import_tensorflow(args.verbose)
    if args.demo:
        from hrnn.bench.demo import run_demo_benchmark
        from hrnn.data.mnist import load_mnist

        run_demo_benchmark(
            load_mnist(args.data),
            json_out=args.json_out,
            report=lambda line: print(line, flush=True),
            settings=args.set,
            reference=not args.no_reference,
            preset=args.preset,
        )
        return 0
    from hrnn.bench.training import run_benchmark

    run_benchmark(
        quick=args.quick, steps=args.steps, json_out=args.json_out, report=lambda line: print(line, flush=True)
    )
    return 0


def cmd_runs(args):
    from hrnn import runs
    from hrnn.words import run_name

    listed = runs.list_runs()
    if args.json:
        print(json.dumps([_run_json(e, run_name(e)) for e in listed], indent=2))
        return 0
    if not listed:
        print(f"no runs in {settings.runs_dir()}")
        return 0
    width = max(len(e.run_id) for e in listed)
    print(f"{'RUN':<{width}}  {'STATUS':<12}  {'EPOCHS':>7}  {'VAL ACC':>7}  {'TEST ACC':>8}  MODEL  NAME")
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
        print(f"{e.run_id:<{width}}  {status:<12}  {epochs:>7}  {val:>7}  {test:>8}  {model:<5}  {run_name(e)}")
    return 0


def _run_json(entry, name):
    s = entry.summary
    return {
        "run_id": entry.run_id,
        "name": name,
        "status": entry.status,
        "queue_position": entry.queue_position,
        "epochs_done": s.epochs_done if s else None,
        "epochs": s.epochs if s else None,
        "val_accuracy": s.val_accuracy if s else None,
        "test_accuracy": s.test_accuracy if s else None,
        "kernel": s.kernel if s else None,  # the LSTMs' path: "native", "tensorflow", None (no LSTM, or unknown)
        "model": entry.has_model,
        "path": str(entry.path),
    }


def cmd_stop(args):
    from hrnn import runs

    entry = runs.find_run(args.run_id)
    if entry is None:
        raise ValueError(f"no run {args.run_id!r} in {settings.runs_dir()} (`python -m {PROG} runs` lists them)")
    if not entry.active:
        raise ValueError(f"run {entry.run_id} is not training ({entry.status})")
    sent = entry.stop(by=runs.STOPPED_BY_SERVER)  # the operator may stop any run
    if entry.not_responding:
        if sent is None:
            raise ValueError(f"run {entry.run_id} is not responding, and its worker is not a process of this machine")
        then = (
            "it resumes, saves what it trained and ends (if it stays unresponsive, `stop` again ends it at once)"
            if sent == "SIGTERM"
            else "it ended at once; the model of its last finished epoch, if any, is kept"
        )
        print(f"run {entry.run_id} was not responding: sent its worker {sent}; {then}")
    elif entry.summary.status == "queued":
        print(f"asked run {entry.run_id} to stop: it is queued and will not start")
    else:
        print(f"asked run {entry.run_id} to stop: it stops after its current batch and saves what it trained")
    return 0


def cmd_worker(args):
    from hrnn.runs.launch import worker

    if args.nice:
        os.nice(args.nice)
    if args.spare:
        from hrnn.runs.launch import spare

        return spare.run_spare(args.data, args.max_runs or settings.max_runs())
    if not args.run_dir:
        raise ValueError("worker: give a RUN_DIR, or --spare")
    return worker.run_process(args.run_dir)
