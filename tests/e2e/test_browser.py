"""The path a person takes, in a real browser: draw a 1 and see it read; train a tiny model and watch the curve.

Run with `python -m pytest tests/e2e -m e2e`. With HRNN_SCREENSHOTS=1 the tests also refresh the README's
screenshots in docs/screenshots/ (draw.png, inside.png, train.png).
"""

import os
import re

import pytest
from playwright.sync_api import expect

from hrnn.model import PRETRAINED_PATH
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

SCREENSHOTS = REPO / "docs" / "screenshots"
PAGE_LOAD_MS = 120_000  # the first page load imports TensorFlow and loads MNIST on a possibly busy machine
PREDICTION_MS = 60_000  # the first prediction loads and compiles the model
TRAINING_MS = 180_000


def _save_screenshot(page, name):
    """Refresh docs/screenshots/<name> when asked to (HRNN_SCREENSHOTS=1); tests leave the repo alone otherwise."""
    if os.environ.get("HRNN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _wait_until_idle(page, timeout=PAGE_LOAD_MS):
    """Wait until the Streamlit script has finished its current run."""
    page.wait_for_function(
        "document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'", timeout=timeout
    )


def _set_number(page, label, value):
    """Type into a number input and press Enter, which is when Streamlit sends the value and reruns."""
    field = page.get_by_label(label, exact=isinstance(label, str))
    field.fill(str(value))
    field.press("Enter")
    expect(field).to_have_value(str(value))
    _wait_until_idle(page)


def _draw_vertical_stroke(page):
    """A mouse stroke down the middle of the 280 x 280 canvas, as a person draws a 1."""
    canvas = page.locator("canvas.upper-canvas")  # fabric.js's event layer, inside the component's shadow root
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2
    top, bottom = box["y"] + 40 * box["height"] / 280, box["y"] + 240 * box["height"] / 280
    page.mouse.move(x, top)
    page.mouse.down()
    steps = 40
    for i in range(1, steps + 1):
        page.mouse.move(x, top + (bottom - top) * i / steps)
    page.mouse.up()


def test_drawing_a_one_is_read_as_1_and_can_be_looked_inside(server, page):
    if not os.environ.get("HRNN_PRETRAINED") and not PRETRAINED_PATH.is_file():
        pytest.skip(f"no shipped model at {PRETRAINED_PATH} and HRNN_PRETRAINED unset: nothing to read the drawing")
    page.goto(f"{server}/draw")
    expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
    page.locator("canvas.upper-canvas").wait_for(timeout=PAGE_LOAD_MS)
    _wait_until_idle(page)

    _draw_vertical_stroke(page)

    prediction = page.get_by_test_id("stMetricValue")
    expect(prediction).to_have_text("1", timeout=PREDICTION_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=PREDICTION_MS)  # probabilities, model input
    _wait_until_idle(page)
    _save_screenshot(page, "draw.png")

    # The sidebar link keeps this session (and its drawing); page.goto would start a new one.
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Inside the network").click()
    expect(page.get_by_role("heading", name="Column LSTM: hidden state after each row")).to_be_visible(
        timeout=PREDICTION_MS
    )
    expect(page.get_by_text("Input: your drawing")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(4, timeout=PREDICTION_MS)
    _wait_until_idle(page)
    _save_screenshot(page, "inside.png")


def _batch_loss_points(page):
    """The number of points in the 'batch loss' trace of any plotly chart on the page (0 if there is none)."""
    return page.evaluate(
        """() => Math.max(0, ...[...document.querySelectorAll('.js-plotly-plot')].flatMap(
               graph => (graph.data || []).filter(t => t.name === 'batch loss').map(t => t.x.length)))"""
    )


def test_a_tiny_training_run_draws_its_curve_and_is_saved(server, page):
    page.goto(f"{server}/")  # Train is the default page: Streamlit serves it at the root, and /train is "not found"
    expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_be_visible(timeout=PAGE_LOAD_MS)
    _wait_until_idle(page)
    _set_number(page, "Epochs", 1)
    _set_number(page, "Row units", 16)
    _set_number(page, "Column units", 16)
    _set_number(page, re.compile(r"^Training images \(of "), 300)

    page.get_by_role("button", name="Start training").click()

    page.wait_for_selector(".js-plotly-plot", timeout=TRAINING_MS)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].some(
               graph => (graph.data || []).some(t => t.name === 'batch loss' && t.x.length > 0))""",
        timeout=TRAINING_MS,
    )
    success = page.get_by_test_id("stAlert").filter(has_text="finished")
    expect(success).to_be_visible(timeout=TRAINING_MS)
    run_id = re.match(r"Run (\S+) finished", success.inner_text()).group(1)
    assert _batch_loss_points(page) == 10  # 300 images in batches of 32

    saved = page.get_by_test_id("stDataFrame")
    expect(saved).to_contain_text(run_id)
    expect(saved).to_contain_text("16/16")
    _wait_until_idle(page)
    _save_screenshot(page, "train.png")
