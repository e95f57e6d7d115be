"""Make the Train page's pictures in docs/screenshots/ from a clean quick demo, as a new user sees it (a script, not a
test): a server with an empty runs folder and the full MNIST when there is one; Start pressed with the page's
defaults; `train-running.png` once the first epoch is checked, `train-phone.png` of a phone that opened the run's
link (watching it: no Stop), and `train.png` when the run has finished. No picture may show a server path
(`tests.support.browser.save_screenshot` refuses it).

    python measure/make_train_screenshots.py --out /tmp/shots

The browser tests leave these three pictures alone: theirs are made of runs too small to show.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.support import server as harness  # noqa: E402
from tests.support.browser import PAGE_LOAD_MS, VIEWPORTS, open_train_page, save_screenshot, wait_until_idle  # noqa: E402

RUN_MS = 20 * 60_000  # a timeout: the quick demo takes a minute or two on two idle cores


def make(out):
    os.environ["HRNN_SCREENSHOTS"] = "1"
    server = harness.Server(Path(out), warm_spare=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS)
            teacher = browser.new_context(**VIEWPORTS["desktop"]).new_page()
            open_train_page(teacher, server.url)
            teacher.get_by_role("button", name="Start training").click()
            validation = teacher.get_by_test_id("stMetricLabel").filter(has_text="Validation accuracy")
            expect(validation).to_be_visible(timeout=RUN_MS)  # the first epoch is checked
            time.sleep(2)
            save_screenshot(teacher, "train-running.png")
            phone = browser.new_context(**VIEWPORTS["phone"]).new_page()
            phone.goto(teacher.url)  # the run's link, opened by a student
            expect(phone.get_by_text("only the browser that started it can stop it")).to_be_visible(
                timeout=PAGE_LOAD_MS
            )
            time.sleep(3)
            save_screenshot(phone, "train-phone.png")
            expect(teacher.get_by_role("heading", name="Your model reads")).to_be_visible(timeout=RUN_MS)
            wait_until_idle(teacher)
            teacher.locator("[data-testid=stMain]").evaluate("main => main.scrollTo(0, 0)")
            save_screenshot(teacher, "train.png")
            print(teacher.get_by_role("heading", name="Your model reads").inner_text())
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="a folder for the server's runs and log")
    make(parser.parse_args().out)
