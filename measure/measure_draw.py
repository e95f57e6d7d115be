"""Measure pen-up -> prediction on the Draw page, in a real browser (a script, not a test): issue 18's drawing goal.

Each of `--strokes` strokes is drawn on a cleared canvas; the time is taken inside the page, from the mouse's
`pointerup` on the canvas to the moment the predicted digit appears in the page (a MutationObserver; the two figures
follow), so the browser automation's own round trips are not in it. The first stroke (it loads the model) is reported
apart. With `--train`, a quick-demo run trains on the same server meanwhile (the goal there is 300 ms, 150 ms without).

    python measure/measure_draw.py --out /tmp/draw                # this checkout
    python measure/measure_draw.py --out /tmp/draw-busy --train   # while a run trains

Prints the median, p90 and every time, and writes `<out>/result.json`.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from hrnn.bench.machine import cpu_facts, describe  # noqa: E402
from tests.support import server as harness  # noqa: E402
from tests.support.browser import open_train_page, pen_up_latencies, percentile, stop_button, wait_for_live_points  # noqa: E402


def measure(app, out, strokes, train, env):
    server = harness.Server(Path(out), app_dir=Path(app).resolve(), warm_spare=True, **env).start()
    result = {"machine": describe(cpu_facts()), "date": time.strftime("%Y-%m-%d %H:%M"), "training": train}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS)
            if train:
                trainer = browser.new_context(viewport=harness.VIEWPORT).new_page()
                open_train_page(trainer, server.url)
                trainer.get_by_role("button", name="Start training").click()
                wait_for_live_points(trainer, 0)
            page = browser.new_context(viewport=harness.VIEWPORT).new_page()
            times = pen_up_latencies(page, server.url, strokes)
            for stroke, ms in enumerate(times):
                print(f"stroke {stroke}: {ms} ms", flush=True)
            if train:
                stop_button(trainer).click()
            browser.close()
    finally:
        server.stop()
    later = times[1:]
    result.update(
        first_ms=times[0],
        median_ms=statistics.median(later),
        p90_ms=percentile(later, 0.9),
        all_ms=later,
    )
    (Path(out) / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default=".", help="the checkout to serve (default: this one)")
    parser.add_argument("--out", required=True, help="a folder for the server's runs, log and result.json")
    parser.add_argument("--strokes", type=int, default=30)
    parser.add_argument("--train", action="store_true", help="train a quick demo on the same server meanwhile")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the server")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    measure(args.app, args.out, args.strokes, args.train, env)


if __name__ == "__main__":
    main()
