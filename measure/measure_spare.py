"""Measure a run through a spare worker, as the app starts one (a script, not a test): the quick demo on the data
given, handed to `python -m hrnn worker --spare` after `--delay` seconds (0.5: before its warm-up; 40: after it),
then the run's progress log read for its first batch, its pauses over 2.5 s and its length.

    HRNN_OFFLINE=1 python measure/measure_spare.py --data ../shared/data/mnist.npz --delay 40

Prints one line per pause (seconds into the run, its length, the phase before it) and the total.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hrnn.data.mnist import load_mnist  # noqa: E402
from hrnn.data.splits import held_out_count  # noqa: E402
from hrnn.runs.launch.launcher import create_run, worker_command  # noqa: E402
from hrnn.train.config import DEMO, demo_config  # noqa: E402


def pauses(progress_path, longer_than=2.5):
    """`[(seconds into the run, pause, phase before it)]` and the run's length, from its progress log."""
    events = [json.loads(line) for line in Path(progress_path).read_text().splitlines()]
    start = events[0]["t"]
    found = [
        (round(b["t"] - start, 1), round(b["t"] - a["t"], 2), a.get("u", {}).get("phase", ""))
        for a, b in zip(events, events[1:])
        if b["t"] - a["t"] > longer_than
    ]
    return found, round(events[-1]["t"] - start, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="an MNIST .npz (the full one to time the real demo)")
    parser.add_argument("--delay", type=float, default=40.0, help="seconds before the run is handed to the spare")
    args = parser.parse_args()
    data = load_mnist(args.data)
    config = demo_config(len(data.y_train) - held_out_count(len(data.y_train), DEMO))
    root = Path(tempfile.mkdtemp(prefix="hrnn-spare-"))
    command = worker_command("--spare", "--data", str(Path(args.data).absolute()), "--max-runs", 1, nice=0)
    with open(root / "spare.log", "ab") as log:
        spare = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(args.delay)
    folder = create_run(config, str(Path(args.data).absolute()), root=root, max_runs=1)
    spare.stdin.write(f"{folder.path}\n".encode())
    spare.stdin.close()
    spare.wait()
    found, total = pauses(folder.progress_path)
    for at, pause, phase in found:
        print(f"pause of {pause:.1f} s ending {at:.1f} s into the run (after phase {phase or '-'})")
    print(f"run: {total:.1f} s from its first event to its last; folder {folder.path}")


if __name__ == "__main__":
    main()
