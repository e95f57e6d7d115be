"""The path a person takes, in a real browser: draw a 1 and see it read; train a tiny model and watch the curve.

Run with `python -m pytest tests/e2e -m e2e`. With HRNN_SCREENSHOTS=1 the tests also refresh the screenshots in
docs/screenshots/ (draw.png, inside.png, train.png).
"""

import os
import re

import pytest
from playwright.sync_api import expect

from hrnn.model import PRETRAINED_PATH
from tests.conftest import REPO
from tests.e2e.pages import (
    PAGE_LOAD_MS,
    PREDICTION_MS,
    TRAINING_MS,
    draw_vertical_stroke,
    live_points,
    open_train_page,
    small_settings,
    start_run,
    wait_for_live_points,
    wait_until_idle,
)

pytestmark = pytest.mark.e2e

SCREENSHOTS = REPO / "docs" / "screenshots"


def _save_screenshot(page, name):
    """Refresh docs/screenshots/<name> when asked to (HRNN_SCREENSHOTS=1); tests leave the repo alone otherwise.

    Streamlit scrolls inside <main>, not the document, so `full_page` alone shows one screen: the viewport is made
    as tall as the page's content for the capture.
    """
    if os.environ.get("HRNN_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    page.wait_for_timeout(1000)  # let the charts settle in the taller window
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.set_viewport_size(viewport)


def test_drawing_a_one_is_read_as_1_and_can_be_looked_inside(server, page):
    if not os.environ.get("HRNN_PRETRAINED") and not PRETRAINED_PATH.is_file():
        pytest.skip(f"no shipped model at {PRETRAINED_PATH} and HRNN_PRETRAINED unset: nothing to read the drawing")
    page.goto(f"{server}/draw")
    expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
    page.locator("canvas.upper-canvas").wait_for(timeout=PAGE_LOAD_MS)
    wait_until_idle(page)

    draw_vertical_stroke(page)

    prediction = page.get_by_test_id("stMetricValue")
    expect(prediction).to_have_text("1", timeout=PREDICTION_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=PREDICTION_MS)  # probabilities, model input
    wait_until_idle(page)
    _save_screenshot(page, "draw.png")

    # The sidebar link keeps this session (and its drawing); page.goto would start a new one.
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Inside the network").click()
    expect(page.get_by_role("heading", name="Column LSTM: hidden state after each row")).to_be_visible(
        timeout=PREDICTION_MS
    )
    expect(page.get_by_text("Input: your drawing")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=PREDICTION_MS)
    wait_until_idle(page)
    _save_screenshot(page, "inside.png")


def test_a_tiny_training_run_draws_its_curve_and_is_saved(server, page):
    open_train_page(page, server)
    run_id, _ = start_run(page, small_settings(epochs=1))
    wait_for_live_points(page, 0)
    success = page.get_by_test_id("stAlert").filter(has_text="finished")
    expect(success).to_be_visible(timeout=TRAINING_MS)
    assert re.match(r"Run (\S+) finished", success.inner_text()).group(1) == run_id
    assert live_points(page) == 10  # 300 images in batches of 32

    saved = page.get_by_test_id("stDataFrame")  # a canvas grid; its cells are in the canvas's accessible table
    expect(saved).to_contain_text(run_id)
    expect(saved).to_contain_text("16/16")  # row/column units
    expect(saved).to_contain_text("1/1")  # epochs done / planned
    wait_until_idle(page)
    _save_screenshot(page, "train.png")
