"""Measure, in a real browser, what docs/performance.md describes for runs (a script, not a test):

* Start to the first batch on the Train page's live chart, for `--starts` Starts of the default quick demo, each
  stopped after its first batch, `--between` seconds apart (a person watches a run before starting the next);
* on the Draw page of a second browser, pen-up to prediction while the last run trains (`--strokes` strokes, the
  first of which also loads the model and is reported apart).

    python measure/measure_runs.py --app . --out /tmp/after
    git archive HEAD~5 | tar -x -C /tmp/before && python measure/measure_runs.py --app /tmp/before --out /tmp/b

`--app` is the checkout whose `app.py` is served (any version with the Train page's `live_chart`); the server gets
its own runs folder under `--out`, the full MNIST when there is one (`HRNN_MNIST`, or ../shared/data/mnist.npz),
and any `--env NAME=VALUE`. Results are printed and written to `<out>/result.json`.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.support import server as harness  # noqa: E402
from tests.support.browser import PAGE_LOAD_MS, open_train_page, pen_up_latencies, stop_button, wait_for_live_points  # noqa: E402


def measure(app, out, starts, between, strokes, settle, env):
    server = harness.Server(Path(out), app_dir=Path(app).resolve(), warm_spare=True, **env).start()
    result = {"app": str(server.app_dir), "env": env}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS)
            trainer = browser.new_context(viewport=harness.VIEWPORT).new_page()
            open_train_page(trainer, server.url)
            time.sleep(settle)  # as a person reads the page; the app warms up meanwhile
            firsts = []
            for start in range(starts):
                if start:
                    time.sleep(between)
                    open_train_page(trainer, server.url)  # a fresh page, no run in view
                trainer.get_by_role("button", name="Start training").click()
                clicked = time.perf_counter()
                wait_for_live_points(trainer, 0)
                firsts.append(round(time.perf_counter() - clicked, 2))
                print(f"Start -> first batch on the chart: {firsts[-1]} s", flush=True)
                if start == starts - 1:
                    result["draw_first_s"], result["draw_s"] = _draw(browser, server.url, strokes)
                    print(f"pen-up -> prediction while it trains: {result['draw_s']} s", flush=True)
                stop_button(trainer).click()
                expect(trainer.get_by_text("stopped after").first).to_be_visible(timeout=PAGE_LOAD_MS)
            result["first_batch_s"] = firsts
            result["first_batch_median_s"] = statistics.median(firsts)
            result["draw_median_s"] = round(statistics.median(result["draw_s"]), 3)
            browser.close()
    finally:
        server.stop()
    (Path(out) / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


def _draw(browser, url, strokes):
    """Pen-up to prediction on Draw, in seconds, timed inside the page (`pen_up_latencies`): the first stroke (it
    loads the model), then each of `strokes`."""
    page = browser.new_context(viewport=harness.VIEWPORT).new_page()
    times = [ms / 1000 for ms in pen_up_latencies(page, url, strokes, quiet_ms=500)]
    page.context.close()
    return times[0], times[1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default=".", help="the checkout to serve (default: this one)")
    parser.add_argument("--out", required=True, help="a folder for the server's runs, log and result.json")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--between", type=float, default=30.0, help="seconds between a Stop and the next Start")
    parser.add_argument("--strokes", type=int, default=5)
    parser.add_argument("--settle", type=float, default=45.0, help="seconds on the page before the first Start")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the server")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    measure(args.app, args.out, args.starts, args.between, args.strokes, args.settle, env)


if __name__ == "__main__":
    main()
