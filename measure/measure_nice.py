"""Measure the quick demo started and watched in Chromium on the same machine, once per worker nice value given
(a script, not a test): Start to "finished", the run's length and its pauses between batches.

    HRNN_MNIST=../shared/data/mnist.npz HRNN_OFFLINE=1 python measure/measure_nice.py 10 0

Each value gets its own server (`HRNN_WORKER_NICE`) and runs folder under a temporary folder; prints one line each.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.support import server as harness  # noqa: E402
from tests.support.browser import open_train_page  # noqa: E402

FINISH_MS = 1_800_000


def batch_gaps(progress_path):
    """`(batches, median gap, longest gap, gaps over 5 s)` between the run's batch lines, in seconds."""
    times = [json.loads(line)["t"] for line in Path(progress_path).read_text().splitlines() if line.startswith('{"b"')]
    gaps = sorted(b - a for a, b in zip(times, times[1:]))
    return len(times), gaps[len(gaps) // 2], gaps[-1], sum(g > 5 for g in gaps)


def measure(nice, root):
    server = harness.Server(root, warm_spare=True, HRNN_WORKER_NICE=nice).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            open_train_page(page, server.url)
            time.sleep(20)  # the spare gets ready, as on a server that has been up a while
            page.get_by_role("button", name="Start training").click()
            clicked = time.monotonic()
            expect(page.get_by_test_id("stAlert").filter(has_text="finished")).to_be_visible(timeout=FINISH_MS)
            total = time.monotonic() - clicked
            browser.close()
    finally:
        server.stop()
    run = next((root / "runs").glob("2*"))
    record = json.loads((run / "record.json").read_text())
    batches, median, longest, long_ones = batch_gaps(run / "progress.jsonl")
    return dict(
        start_to_finished_s=round(total, 1),
        run_s=round(record["wall_seconds"], 1),
        batches=batches,
        median_gap_s=round(median, 3),
        longest_gap_s=round(longest, 2),
        gaps_over_5s=long_ones,
        test_accuracy=record.get("test_accuracy"),
    )


def main():
    out = Path(tempfile.mkdtemp(prefix="hrnn-nice-"))
    for nice in sys.argv[1:] or ["10"]:
        root = out / f"nice-{nice}"
        root.mkdir()
        print(f"nice {nice}: {measure(nice, root)}", flush=True)


if __name__ == "__main__":
    main()
