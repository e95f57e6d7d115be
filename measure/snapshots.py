"""What snapshots cost a run: samples/s with and without them, on the offline sample, in one process.

    HRNN_OFFLINE=1 python measure/snapshots.py [--rounds 3]

Each run is one epoch of the quick demo's model and settings on the sample's 4,500 training images (141 batches of
32), with snapshots as often as in the whole demo (one every 9 batches, plus the epoch's end: 16 here, 114 in the
demo's 987 batches). A first run traces the graphs and is not counted; then rounds alternate off-on and on-off, so
that a change in the machine's load falls on both alike. Prints each run's samples/s (over its batches, as the run
record says), the spread and the bytes of the snapshots.
"""

import argparse
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_EVERY = 9  # batches between scheduled snapshots in the quick demo on the sample (987 // 100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from hrnn.bench.machine import cpu_facts, describe
    from hrnn.data.mnist import load_mnist
    from hrnn.runs.store.snapshots import SnapshotWriter
    from hrnn.train import snapshots
    from hrnn.train.config import DEMO
    from hrnn.train.loop import train

    data = load_mnist("sample")
    config = replace(DEMO, epochs=1, train_size=None, test_limit=0)
    steps = 4500 // config.batch_size + 1
    snapshots.SNAPSHOTS_PER_RUN = steps // DEMO_EVERY  # the demo's density over this shorter run

    def run(on):
        with tempfile.TemporaryDirectory() as folder:
            writer = SnapshotWriter(folder) if on else None
            record = train(config, data, on_snapshot=writer).record
            if writer is not None:
                writer.close()
            return record.samples_per_second, (writer.written, writer.bytes) if writer else (0, 0)

    print(describe(cpu_facts()), flush=True)
    run(True)  # traces the graphs: training's and the snapshots' row reader (once per process, as in a worker)
    results = {False: [], True: []}
    for k in range(args.rounds):
        for on in (False, True) if k % 2 == 0 else (True, False):
            sps, (written, size) = run(on)
            results[on].append(sps)
            extra = f", {written} snapshots, {size:,} bytes" if on else ""
            print(f"round {k + 1} snapshots {'on ' if on else 'off'}: {sps:6.1f} samples/s{extra}", flush=True)
    for on in (False, True):
        values = results[on]
        print(
            f"snapshots {'on ' if on else 'off'}: median {statistics.median(values):.1f} samples/s "
            f"(min {min(values):.1f}, max {max(values):.1f})"
        )
    print(f"on / off (medians): {statistics.median(results[True]) / statistics.median(results[False]):.3f}")


if __name__ == "__main__":
    main()
