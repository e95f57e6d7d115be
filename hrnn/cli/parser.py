"""The command line's arguments: `build_parser` and the checks of each argument's type and range."""

import argparse

from hrnn.bench.training import WARMUP_AND_WINDOW
from hrnn.bounds import Bounds, whole_number

PROG = "hrnn"
# The benchmark's rounds time windows of batches after a warm-up (5 + 5 with --quick, 10 + 10 without; see
# hrnn/bench/training.py): fewer batches than warm-up + one window leave nothing to time. The most is MNIST's 60,000
# training images in batches of 32.
BENCH_MIN_STEPS = {quick: warmup + window + 1 for quick, (warmup, window) in WARMUP_AND_WINDOW.items()}
BENCH_MAX_STEPS = 60_000 // 32


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{PROG}: error: {message}\n")


def _whole_number(low, what):
    """An argparse `type`: text as an integer of at least `low` (`hrnn.bounds.whole_number`), refused in one line
    saying `what` it expects."""

    def parse(text):
        value = whole_number(text, Bounds(low))
        if value is None:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


_positive_int = _whole_number(1, "a positive integer")
_nonnegative_int = _whole_number(0, "an integer >= 0")


def _setting_type(setting):
    """An argparse `type` for a `hrnn.train.setting.Setting`: its own parser, bounds and one-line refusal."""

    def parse(text):
        try:
            return setting.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _flag_options(setting):
    """argparse's `type`/`choices` and help for a `hrnn.train.setting.Setting`."""
    text = setting.help if setting.default is None else f"{setting.help} (default {setting.default})"
    options = {"help": text.replace("%", "%%")}  # argparse formats help with %
    if setting.choices:
        options["choices"] = setting.choices
    else:
        options["type"] = _setting_type(setting)
    return options


def _preset_help():
    from hrnn.train.config import DEMO_SAMPLES, DEMO_TRAIN_SIZE
    from hrnn.words import PRESET_WORDS

    names = "; ".join(f"{name}: the {words}" for name, words in PRESET_WORDS.items())
    return (
        f"start from a preset's settings ({names}); the flags given as well override its values. The demo trains on "
        f"up to {DEMO_TRAIN_SIZE:,} images for about {DEMO_SAMPLES:,} images seen. Without a preset: the original "
        "example's settings"
    )


def build_parser():
    from hrnn.train.config import PRESETS, SETTINGS

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
    t.add_argument("--preset", choices=list(PRESETS), default=None, help=_preset_help())
    # One flag per TrainConfig setting, as hrnn.train.config describes it (a renamed one's old flag as an alias). Only
    # the flags given are set (SUPPRESS), so that they override the preset's values and the rest are the preset's.
    for setting in SETTINGS.values():
        if setting.flag:
            t.add_argument(*setting.flag_names, dest=setting.name, default=argparse.SUPPRESS, **_flag_options(setting))
    t.add_argument(
        "--data", default="auto", help="MNIST .npz, IDX folder, 'keras', 'sample' or 'auto' (default; see README)"
    )
    t.add_argument(
        "--out", default=None, help="folder for model.keras and record.json (default: a new folder in the runs folder)"
    )

    e = sub.add_parser("evaluate", parents=[common], help="score a saved model on the MNIST test set")
    e.add_argument(
        "model",
        nargs="?",  # missing: `cmd_evaluate` says what it takes, in one line
        metavar="MODEL",
        help="'pretrained' (the shipped model), a .keras file, a run id or a run folder (`runs` lists them)",
    )
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
        help="time to accuracy instead: a preset (--preset, default the one-click demo) against the original "
        "example's settings",
    )
    b.add_argument("--data", default="auto", help="for --demo: as for train (default auto)")
    b.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="for --demo: change one setting of the preset (repeatable), e.g. --set learning_rate=0.003",
    )
    b.add_argument("--no-reference", action="store_true", help="for --demo: skip the original settings' run")
    b.add_argument(
        "--preset",
        choices=list(PRESETS),
        default="demo",
        help="for --demo: the preset to train (default demo; fast: 98%% within about a minute on two cores, in one "
        "pass over all images)",
    )
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
