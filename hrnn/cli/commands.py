"""`python -m hrnn evaluate | bench | runs | stop | worker`."""

import json
import logging
import os
from pathlib import Path

from hrnn import settings
from hrnn.cli.parser import BENCH_MAX_STEPS, BENCH_MIN_STEPS, PROG
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


def cmd_evaluate(args):
    from hrnn.analysis.evaluation import score
    from hrnn.data.mnist import load_mnist
    from hrnn.data.shift import shifted_test_set
    from hrnn.data.splits import to_model_input
    from hrnn.nn.architectures import model_architecture
    from hrnn.nn.model_files import load_model, load_pretrained
    from hrnn.nn.probe import predict_batch

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
    if args.demo:
        from hrnn.bench.demo import run_demo_benchmark
        from hrnn.data.mnist import load_mnist

        run_demo_benchmark(
            load_mnist(args.data),
            json_out=args.json_out,
            report=lambda line: print(line, flush=True),
            settings=args.set,
            reference=not args.no_reference,
        )
        return 0
    from hrnn.bench.training import run_benchmark

    run_benchmark(
        quick=args.quick, steps=args.steps, json_out=args.json_out, report=lambda line: print(line, flush=True)
    )
    return 0


def cmd_runs(args):
    from hrnn import runs

    listed = runs.list_runs()
    if args.json:
        print(json.dumps([_run_json(e) for e in listed], indent=2))
        return 0
    if not listed:
        print(f"no runs in {settings.runs_dir()}")
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


def cmd_stop(args):
    from hrnn import runs

    entry = runs.find_run(args.run_id)
    if entry is None:
        raise ValueError(f"no run {args.run_id!r} in {settings.runs_dir()} (`python -m {PROG} runs` lists them)")
    if not entry.live:
        raise ValueError(f"run {entry.run_id} is not training ({entry.status})")
    entry.folder.request_stop()
    if entry.summary.status == "queued":
        print(f"asked run {entry.run_id} to stop: it is queued and will not start")
    else:
        print(f"asked run {entry.run_id} to stop: it stops after its current batch and saves what it trained")
    return 0


def cmd_worker(args):
    from hrnn.runs import worker

    if args.nice:
        os.nice(args.nice)
    if args.spare:
        return worker.run_spare(args.data, args.max_runs or settings.max_runs())
    if not args.run_dir:
        raise ValueError("worker: give a RUN_DIR, or --spare")
    return worker.run_process(args.run_dir)
