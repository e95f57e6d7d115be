"""What a watcher's refresh costs the server in building the live figure (a script, not a test).

    python -m measure.measure_live_figure [--batches 221 827] [--log runs/<id>/progress.jsonl] [--pages 20]

For a run at each number of batches (a made-up run of 10 epochs, or the progress log given, read in full), it builds
the Train page's figure as every watcher's page did before figures were shared (`training_figure`, once per page)
and as they do now (`live_figure`, shared by the pages watching that run), and prints the median over 20 refreshes
of the server time that `--pages` pages watching one run cost per refresh, in ms.
"""

import argparse
import statistics
import time
from dataclasses import replace

import numpy as np

from hrnn.bench.machine import cpu_facts, describe
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.train.progress import ProgressSnapshot
from hrnn.ui.train.figures import training_figure
from hrnn.ui.train.live_figure import live_figure

REFRESHES = 20


def made_up(batches, steps_per_epoch=188):
    rng = np.random.default_rng(0)
    return ProgressSnapshot(
        epochs=10,
        steps_per_epoch=steps_per_epoch,
        batch_steps=list(range(1, batches + 1)),
        batch_loss=list(2.3 * np.exp(-np.arange(batches) / 200) + rng.random(batches) * 0.1),
        batch_accuracy=list(1 - np.exp(-np.arange(batches) / 200) * 0.9),
    )


def per_refresh_ms(build, pages):
    times = []
    for refresh in range(REFRESHES):
        start = time.perf_counter()
        for _ in range(pages):
            build(refresh)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="*", default=[221, 827])
    parser.add_argument("--log", help="a run's progress.jsonl instead of made-up runs")
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    print(f"{describe(cpu_facts())}; {time.strftime('%Y-%m-%d %H:%M %Z')}; {args.pages} pages watching one run")
    snaps = [ProgressLogReader(args.log).snapshot()] if args.log else [made_up(n) for n in args.batches]
    for snap in snaps:
        # Every refresh a new batch has arrived (the worst case for sharing: one build per refresh).
        grown = [snap] + [
            replace(
                snap,
                batch_steps=[*snap.batch_steps, *range(snap.batch_steps[-1] + 1, snap.batch_steps[-1] + i + 1)],
                batch_loss=[*snap.batch_loss, *[snap.batch_loss[-1]] * i],
                batch_accuracy=[*snap.batch_accuracy, *[snap.batch_accuracy[-1]] * i],
            )
            for i in range(1, REFRESHES + 1)
        ]
        each = per_refresh_ms(lambda r, grown=grown: training_figure(grown[r], height=460), args.pages)
        shared = per_refresh_ms(lambda r, grown=grown: live_figure("run", grown[r], 460), args.pages)
        print(
            f"{len(snap.batch_steps)} batches: a figure per page {each:.0f} ms per refresh, "
            f"one shared figure {shared:.0f} ms ({each / shared:.1f}x less)"
        )


if __name__ == "__main__":
    main()
