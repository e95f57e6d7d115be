"""Evaluate in a real browser: click a cell of the confusion matrix, see its images, open one on Draw.

Run with `python -m pytest tests/e2e -m e2e -k evaluate`. With HRNN_SCREENSHOTS=1 it also refreshes
docs/screenshots/evaluate.png.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import LAYOUT_PROBLEMS, PAGE_LOAD_MS, PREDICTION_MS, VIEWPORTS, save_screenshot, wait_until_idle

# One file's tests share one app server (a module fixture): pytest-xdist hands them to one worker together.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_evaluate_browser")]

SCORING_MS = 180_000  # the first visit scores the model on every test image (the HRNN: seconds on two cores)
CELL = (7, 2)  # the cell clicked: sevens read as twos


def _click_cell(page, true, predicted):
    """Click the middle of a confusion-matrix cell (rows: true digit, 0 at the top; columns: predicted digit)."""
    plot_area = page.locator(".st-key-confusion .nsewdrag").first  # plotly's drag layer covers the cells exactly
    plot_area.scroll_into_view_if_needed()
    box = plot_area.bounding_box()
    page.mouse.click(box["x"] + (predicted + 0.5) / 10 * box["width"], box["y"] + (true + 0.5) / 10 * box["height"])


def test_clicking_a_confusion_cell_shows_its_images_and_one_opens_on_draw(server, page):
    page.goto(f"{server}/evaluate")
    expect(page.get_by_role("heading", name="Evaluate and compare")).to_be_visible(timeout=PAGE_LOAD_MS)
    expect(page.locator(".st-key-confusion .js-plotly-plot")).to_be_visible(timeout=SCORING_MS)
    wait_until_idle(page)

    true, predicted = CELL
    _click_cell(page, true, predicted)

    heading = page.get_by_text(re.compile(rf"^[\d,]+ test images? of an? {true} read as {predicted}"))
    expect(heading).to_be_visible(timeout=PREDICTION_MS)
    wait_until_idle(page)
    count = int(heading.inner_text().split(" ")[0].replace(",", ""))
    cards = page.locator("[class*='st-key-open_draw_cell_']")
    if count == 0:
        expect(page.get_by_text("No test image falls in this cell")).to_be_visible()
    else:
        expect(cards).to_have_count(min(count, 48))
    save_screenshot(page, "evaluate.png")

    first = page.locator("[class*='st-key-open_draw_mistakes_']").first
    index = re.search(r"st-key-open_draw_mistakes_(\d+)", first.get_attribute("class")).group(1)
    first.get_by_role("button").click()
    expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PREDICTION_MS)
    expect(page.get_by_test_id("stMetricValue")).to_be_visible(timeout=PREDICTION_MS)
    expect(page.get_by_text(f"test image {index} (true label")).to_be_visible()


def test_evaluate_fits_a_phone(server, browser):
    context = browser.new_context(**VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto(f"{server}/evaluate")
        expect(page.get_by_role("heading", name="Evaluate and compare")).to_be_visible(timeout=PAGE_LOAD_MS)
        expect(page.locator(".st-key-confusion .js-plotly-plot")).to_be_visible(timeout=SCORING_MS)
        wait_until_idle(page)
        expect(page.get_by_role("button", name=re.compile(r"^Model: "))).to_be_visible()  # reachable on the page
        assert page.evaluate(LAYOUT_PROBLEMS) == {"overlaps": [], "overflow": []}
        save_screenshot(page, "evaluate-phone.png")
    finally:
        context.close()
