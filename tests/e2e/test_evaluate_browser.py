"""Evaluate in a real browser: click a cell of the confusion matrix, see its images, open one on Draw; tap cells on a
touch phone; download a run's model and upload it back in the model picker.

Run with `python -m pytest tests/e2e -m e2e -k evaluate`. With HRNN_SCREENSHOTS=1 it also refreshes
docs/screenshots/evaluate.png.
"""

import re

import pytest
from playwright.sync_api import expect

from hrnn.runs.launch.worker import train_in_folder
from hrnn.train.config import TrainConfig
from tests.support.browser import (
    LAYOUT_PROBLEMS,
    PAGE_LOAD_MS,
    PREDICTION_MS,
    VIEWPORTS,
    save_screenshot,
    wait_until_idle,
)
from tests.support.data import make_mnist

# One file's tests share one app server (a module fixture): pytest-xdist hands them to one worker together.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_evaluate_browser")]

SCORING_MS = 180_000  # the first visit scores the model on every test image (the HRNN: seconds on two cores)
CELL = (7, 2)  # the cell clicked: sevens read as twos
TAPPED = ((1, 1), (7, 2), (4, 9), (9, 4))  # tapped in turn; the first is never the page's first cell (a mistake)

# The page coordinates of the middle of a confusion-matrix cell [true, predicted] (rows: true digit, 0 at the top;
# columns: predicted digit): the cells fill plotly's plot area, which `_fullLayout._size` places in the chart.
CELL_MIDDLE = """([row, column]) => {
    const chart = document.querySelector('.st-key-confusion .js-plotly-plot');
    const box = chart.getBoundingClientRect(), area = chart._fullLayout._size;
    return [box.left + area.l + (column + 0.5) / 10 * area.w, box.top + area.t + (row + 0.5) / 10 * area.h];
}"""


def _cell_middle(page, true, predicted):
    """The middle of a confusion-matrix cell, in page coordinates, with the matrix scrolled into view."""
    page.locator(".st-key-confusion .js-plotly-plot").scroll_into_view_if_needed()
    return page.evaluate(CELL_MIDDLE, [true, predicted])


def _click_cell(page, true, predicted):
    page.mouse.click(*_cell_middle(page, true, predicted))


def _cell_heading(page, true, predicted):
    what = "read right" if true == predicted else f"read as {predicted}"
    return page.get_by_text(re.compile(rf"^[\d,]+ test images? of an? {true} {what}"))


def _open_evaluate(page, server):
    page.goto(f"{server}/evaluate")
    expect(page.get_by_role("heading", name="Evaluate and compare")).to_be_visible(timeout=PAGE_LOAD_MS)
    expect(page.locator(".st-key-confusion .js-plotly-plot")).to_be_visible(timeout=SCORING_MS)
    wait_until_idle(page)


def test_clicking_a_confusion_cell_shows_its_images_and_one_opens_on_draw(server, page):
    _open_evaluate(page, server)

    true, predicted = CELL
    _click_cell(page, true, predicted)

    heading = _cell_heading(page, true, predicted)
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


def _left_as_it_was(page, true, predicted):
    """Evaluate shows the cell and the shading left, in its view and its address."""
    expect(page.get_by_role("heading", name="Evaluate and compare")).to_be_visible(timeout=PAGE_LOAD_MS)
    expect(_cell_heading(page, true, predicted)).to_be_visible(timeout=SCORING_MS)
    pickers = page.locator("[data-testid=stSelectbox] input")
    expect(pickers.nth(1)).to_have_value(str(true))
    expect(pickers.nth(2)).to_have_value(str(predicted))
    expect(page.get_by_role("radio", name="share of each row")).to_be_checked()
    wait_until_idle(page)
    assert f"cell={true}%2C{predicted}" in page.url or f"cell={true},{predicted}" in page.url, page.url
    assert "cells=shares" in page.url, page.url


def test_back_and_the_sidebar_return_to_the_cell_and_shading_left(server, page):
    """The walkthrough's case: a cell, its rows as shares, an image opened on Inside; the browser's Back button, and
    later the sidebar, each return to that cell and shading (Back had stayed on Inside, and the sidebar had shown
    the page's first cell, as counts)."""
    _open_evaluate(page, server)
    true, predicted = 4, 9
    _click_cell(page, true, predicted)
    expect(_cell_heading(page, true, predicted)).to_be_visible(timeout=PREDICTION_MS)
    page.get_by_text("share of each row", exact=True).click()
    wait_until_idle(page)
    page.locator("[class*='st-key-open_inside_mistakes_']").first.get_by_role("button").click()
    expect(page.get_by_role("heading", name="Inside the network")).to_be_visible(timeout=PREDICTION_MS)
    wait_until_idle(page)
    assert "/inside?digit=" in page.url, page.url  # Inside wrote its own address
    page.go_back()
    _left_as_it_was(page, true, predicted)
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Inside").click()
    expect(page.get_by_role("heading", name="Inside the network")).to_be_visible(timeout=PREDICTION_MS)
    wait_until_idle(page)
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Evaluate").click()
    _left_as_it_was(page, true, predicted)


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


def test_tapping_confusion_cells_on_a_phone_shows_each_tapped_cell(server, browser):
    context = browser.new_context(**VIEWPORTS["phone"])
    page = context.new_page()
    try:
        _open_evaluate(page, server)
        for true, predicted in TAPPED:
            page.touchscreen.tap(*_cell_middle(page, true, predicted))
            heading = _cell_heading(page, true, predicted)
            expect(heading).to_be_visible(timeout=PREDICTION_MS)
            wait_until_idle(page)
            for label, digit in (("True digit", true), ("Predicted digit", predicted)):
                expect(page.get_by_role("combobox", name=label)).to_have_value(str(digit))
        matrix = page.locator(".st-key-confusion").bounding_box()
        assert heading.bounding_box()["y"] - (matrix["y"] + matrix["height"]) < 100  # the result is under the finger
    finally:
        context.close()


def test_a_runs_model_downloaded_from_evaluate_and_uploaded_back_is_the_model_read(server, new_page, e2e_dir, tmp_path):
    run_id = "20250101-000000-home"  # a small finished run in the server's runs folder
    config = TrainConfig(epochs=1, row_units=8, image_units=8, validation="none", test_limit=0)
    train_in_folder(config, make_mnist(), e2e_dir / "runs" / run_id)
    page = new_page(accept_downloads=True)
    page.goto(f"{server}/evaluate?model={run_id}")
    expect(page.locator(".st-key-confusion .js-plotly-plot")).to_be_visible(timeout=SCORING_MS)
    wait_until_idle(page)
    accuracy = page.get_by_test_id("stMetricValue").first.inner_text()

    with page.expect_download() as download:
        page.get_by_role("button", name="Model (.keras)").click()
    assert download.value.suggested_filename == f"hrnn-{run_id}.keras"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(str(path))

    expect(page.get_by_text(f"Model: hrnn-{run_id}.keras (uploaded), a ")).to_be_visible(timeout=SCORING_MS)
    expect(page.locator(".st-key-confusion .js-plotly-plot")).to_be_visible(timeout=SCORING_MS)
    wait_until_idle(page)
    assert page.get_by_test_id("stMetricValue").first.inner_text() == accuracy  # the same model, read again
    assert "model=" not in page.url  # an upload is this session's alone: no other browser could open it
