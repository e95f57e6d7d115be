"""The first screen and the Draw page in a real browser, on a desktop (1440 x 900) and a touch phone (390 x 844).

Run with `python -m pytest tests/e2e -m e2e -k draw_browser` (`-s` prints the first-paint time). The cold-start test
starts a server of its own; the others share this module's. With HRNN_SCREENSHOTS=1 the tests also refresh
docs/screenshots/draw.png and draw-phone.png.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from hrnn.ui.common import first_screen, style
from hrnn.ui.common.labels import a_digit
from hrnn.ui.draw import page as draw_page
from hrnn.ui.draw.canvas import CANVAS_SIZE
from tests.support.browser import (
    CANVAS,
    LAYOUT_PROBLEMS,
    PAGE_LOAD_MS,
    PREDICTION_MS,
    draw_vertical_stroke,
    save_screenshot,
    wait_for_test_digit,
    wait_until_idle,
)
from tests.support.server import Server
from tests.support.waiting import wait_until

# One file's tests share one app server (a module fixture): pytest-xdist hands them to one worker together.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_draw_browser")]

DEVICES = {
    "desktop": dict(viewport={"width": 1440, "height": 900}),
    # Three device pixels to a CSS pixel, as the phones of that size have: the canvas draws sharp at that density and
    # still sends its 280 x 280 CSS pixels.
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=3),
}
# On a cold server (TensorFlow not imported yet) the first screen says what the app is and that it is loading, before
# the heavy imports; the page itself follows them. Before that screen the main area stayed blank for 4.5 to 6.2 s
# (11 cold starts on two busy cores); with it, the first text came after 0.8 to 1.4 s (12 cold starts; a one-line
# Streamlit app takes 1.0 to 1.1 s). The test asserts the order, which holds on a machine of any speed, and prints
# the time (docs/performance.md, *In the browser*).
VERDICT = re.compile(r"(Right: it is an? \d|Wrong: it is an? \d, read as \d)")
UNDER_CANVAS_PX = 150  # on a phone the prediction follows the canvas within this (only a caption between)

# Records, from the very start of the page (ms): when the main area first shows text, window.__hrnnFirstText =
# [ms, text]; when it first shows the loading note, window.__hrnnLoadingShown; and when it first shows the Train
# page's heading, window.__hrnnPageShown.
RECORD_FIRST_TEXT = (
    f"const loadingNote = {json.dumps(first_screen.LOADING)};\n"
    + """
window.__hrnnFirstText = window.__hrnnLoadingShown = window.__hrnnPageShown = null;
new MutationObserver((_, observer) => {
    const main = document.querySelector('[data-testid=stMain]');
    const text = main?.innerText.trim();
    if (!text) return;
    window.__hrnnFirstText ??= [performance.now(), text];
    if (text.includes(loadingNote)) window.__hrnnLoadingShown ??= performance.now();
    if ([...main.querySelectorAll('h1')].some(h => h.textContent.includes('Train the hierarchical RNN'))) {
        window.__hrnnPageShown = performance.now();
        observer.disconnect();
    }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
)

# How much ink the canvas holds (the sum of its bitmap's alpha channel, 0 when empty).
INK = """canvas => {
    const alpha = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 3; i < alpha.length; i += 4) ink += alpha[i];
    return ink;
}"""
# How far Streamlit's main area (which scrolls itself, not the document) is scrolled down.
SCROLLED = "() => document.querySelector('[data-testid=stMain]').scrollTop + document.documentElement.scrollTop"

# Whether anything scrolls sideways: the document, or Streamlit's main area (which scrolls itself).
SIDEWAYS = """() => {
    const main = document.querySelector('[data-testid=stMain]');
    return {document: document.documentElement.scrollWidth - window.innerWidth,
            main: main.scrollWidth - main.clientWidth};
}"""


def _open_draw(browser, server, device):
    context = browser.new_context(**DEVICES[device])
    page = context.new_page()
    page.goto(f"{server}/draw")
    expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
    page.locator(CANVAS).wait_for(timeout=PAGE_LOAD_MS)
    wait_until_idle(page)
    return context, page


def _touch_stroke(page):
    """A finger stroke up the middle of the canvas (touch events, as a phone sends them), as a person draws a 1. A
    finger moving up scrolls a page down, unless what it touches says otherwise."""
    canvas = page.locator(CANVAS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, top, bottom = box["x"] + box["width"] / 2, box["y"] + box["height"] / 7, box["y"] + box["height"] * 6 / 7
    touch = page.context.new_cdp_session(page)
    steps = 40
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": bottom}]})
    for i in range(1, steps + 1):
        point = {"x": x, "y": bottom - (bottom - top) * i / steps}
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_the_first_screen_says_what_the_app_is_and_that_it_loads_before_the_page_on_a_cold_server(browser, tmp_path):
    # A server of its own, started for this test: cold (no page opened on it yet, TensorFlow not imported) whichever
    # tests ran before, in whatever order.
    cold = Server(tmp_path).start()
    context = browser.new_context(**DEVICES["desktop"])
    page = context.new_page()
    try:
        server = cold.url
        page.add_init_script(RECORD_FIRST_TEXT)
        page.goto(f"{server}/", wait_until="commit")
        page.wait_for_function("window.__hrnnPageShown !== null", timeout=PAGE_LOAD_MS)
        (ms, text), loading_ms, page_ms = page.evaluate(
            "[window.__hrnnFirstText, window.__hrnnLoadingShown, window.__hrnnPageShown]"
        )
        print(
            f"\nfirst text in the main area {ms / 1000:.2f} s after navigation: {text[:60]!r}; the Train page's "
            f"heading after {page_ms / 1000:.2f} s"
        )
        # The first text is the loading screen, drawn ahead of the heavy imports, so before the page, not with it.
        assert text.startswith(first_screen.TITLE), text
        assert loading_ms is not None and loading_ms < page_ms, (loading_ms, page_ms)
        expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_be_visible()
        expect(page.get_by_text(first_screen.LOADING)).to_have_count(0)  # the note is gone
    finally:
        context.close()
        cold.stop()


def _canvas_top(page):
    """Where the canvas is in the page (from the top of the page's content: scrolling does not change it)."""
    content = page.get_by_test_id("stMainBlockContainer").bounding_box()
    return page.locator(CANVAS).bounding_box()["y"] - content["y"]


@pytest.mark.parametrize("device", DEVICES)
def test_draw_fits_reads_a_drawn_one_and_clears(server, browser, device):
    context, page = _open_draw(browser, server, device)
    try:
        assert page.evaluate(SIDEWAYS) == {"document": 0, "main": 0}
        canvas = page.locator(CANVAS)
        box = canvas.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= DEVICES[device]["viewport"]["width"]
        assert box["width"] == box["height"] == CANVAS_SIZE  # it fits the column at both sizes
        model = page.get_by_test_id("stMain").get_by_role("button", name="Model: Shipped pretrained model")
        expect(model).to_be_visible()  # the model's name, and its picker, on the page (a phone folds the sidebar)

        if device == "phone":
            expect(page.locator(f".st-key-{style.PHONE_READING}")).to_contain_text("reading shows here")
            canvas_top = _canvas_top(page)
            canvas.scroll_into_view_if_needed()
            scrolled = page.evaluate(SCROLLED)
            _touch_stroke(page)
            assert page.evaluate(SCROLLED) == scrolled  # the finger drew; it did not scroll the page
        else:
            draw_vertical_stroke(page)
        assert canvas.evaluate(INK) > 0  # the stroke shows where it was drawn
        prediction = page.get_by_test_id("stMetricValue")
        expect(prediction).to_have_text("1", timeout=PREDICTION_MS)
        wait_until_idle(page)
        expect(page.locator(".modebar-btn")).to_have_count(0)  # no plotly zoom toolbars over the small charts
        assert page.evaluate(LAYOUT_PROBLEMS) == {"overlaps": [], "overflow": []}
        assert page.evaluate(SIDEWAYS) == {"document": 0, "main": 0}
        reading = page.locator(f".st-key-{style.PHONE_READING}")
        if device == "phone":  # one column: the prediction right under the canvas, and in one line on screen
            moved = _canvas_top(page) - canvas_top
            assert abs(moved) <= 2, moved  # the canvas did not move under the finger when the reading came
            box = canvas.bounding_box()
            gap = prediction.bounding_box()["y"] - (box["y"] + box["height"])
            assert 0 < gap < UNDER_CANVAS_PX
            expect(reading).to_contain_text("The model reads 1 (")
            box = reading.bounding_box()
            assert 0 <= box["y"] and box["y"] + box["height"] <= DEVICES[device]["viewport"]["height"], box
        else:  # the prediction is beside the canvas: no line for it
            expect(reading).to_be_hidden()
        save_screenshot(page, "draw.png" if device == "desktop" else "draw-phone.png")

        page.get_by_role("button", name="Clear").click()
        expect(prediction).to_have_count(0, timeout=PREDICTION_MS)
        expect(page.get_by_text(draw_page.PROMPTS["Draw"])).to_be_visible()
        assert wait_until(lambda: canvas.evaluate(INK) == 0, timeout=PREDICTION_MS / 1000)  # and the canvas is empty
    finally:
        context.close()


def test_a_test_digit_from_the_gallery_gets_a_verdict_that_outlives_a_visit_to_inside(server, browser):
    context, page = _open_draw(browser, server, "desktop")
    try:
        page.get_by_text("Test digit", exact=True).click()
        thumbnails = page.locator("[class*='st-key-pick_test_']")
        expect(thumbnails).to_have_count(12, timeout=PREDICTION_MS)
        wait_until_idle(page)  # the gallery laid out: the picture's box is read for the click
        pick = thumbnails.nth(4)
        index = re.search(r"st-key-pick_test_(\d+)", pick.get_attribute("class")).group(1)
        image = page.locator(f".st-key-thumb_{index}").get_by_role("img")
        expect(image).to_be_visible()
        picture = image.bounding_box()
        page.mouse.click(picture["x"] + picture["width"] * 0.2, picture["y"] + picture["height"] * 0.8)  # the picture
        expect(page.get_by_label(re.compile(r"^Test image \(0 to"))).to_have_value(index, timeout=PREDICTION_MS)
        caption = wait_for_test_digit(page, index)  # till then the verdict may be the previous digit's
        verdict = page.get_by_test_id("stAlert").filter(has_text=VERDICT)
        expect(verdict).to_be_visible(timeout=PREDICTION_MS)
        said = VERDICT.search(verdict.inner_text()).group(0)  # the alert's text starts with its icon's name
        true_label = int(re.search(r"true label (\d)", caption.inner_text()).group(1))
        assert said.startswith(f"Right: it is {a_digit(true_label)}") or said.startswith(
            f"Wrong: it is {a_digit(true_label)},"
        ), said

        page.get_by_role("button", name="See how it read this digit, row by row").click()
        expect(page.get_by_role("heading", name="Inside the network")).to_be_visible(timeout=PREDICTION_MS)
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Draw").click()
        expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PREDICTION_MS)
        expect(page.get_by_label(re.compile(r"^Test image \(0 to"))).to_have_value(index, timeout=PREDICTION_MS)
        expect(page.get_by_test_id("stAlert").filter(has_text=said)).to_be_visible(timeout=PREDICTION_MS)
    finally:
        context.close()
