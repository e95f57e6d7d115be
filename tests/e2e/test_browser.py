"""The path a person takes, in a real browser: draw a 1 and see it read; train a tiny model and watch the curve.

Run with `python -m pytest tests/e2e -m e2e` (`-s` prints the Inside page's cursor latencies). With HRNN_SCREENSHOTS=1
the tests also refresh the screenshots in docs/screenshots/ (draw.png, inside.png, inside-phone.png,
inside-memory.png); the Train page's come from a quick demo (measure/make_train_screenshots.py).
"""

import os
import re
import shutil
import socket
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from hrnn.nn.model_files import PRETRAINED_PATH
from hrnn.ui.common.run_names import started_text
from hrnn.ui.common.style import CURSOR_PANEL, HEADER_PX
from tests.support.browser import (
    CANVAS,
    LAYOUT_PROBLEMS,
    PAGE_LOAD_MS,
    PREDICTION_MS,
    SCREENSHOTS,
    SERVER_PATH,
    SMALL_CONTROLS,
    TRAINING_MS,
    VIEWPORTS,
    draw_vertical_stroke,
    open_settings,
    open_train_page,
    paths_shown,
    save_screenshot,
    set_number,
    small_settings,
    start_run,
    stop_button,
    wait_for_live_points,
    wait_for_test_digit,
    wait_until_idle,
)
from tests.support.data import REPO
from tests.support.server import Server

# One file's tests share one app server (a module fixture): pytest-xdist hands them to one worker together.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_browser")]


def test_drawing_a_one_is_read_as_1_and_can_be_looked_inside(server, page):
    if not os.environ.get("HRNN_PRETRAINED") and not PRETRAINED_PATH.is_file():
        pytest.skip(f"no shipped model at {PRETRAINED_PATH} and HRNN_PRETRAINED unset: nothing to read the drawing")
    page.goto(f"{server}/draw")
    expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
    page.locator(CANVAS).wait_for(timeout=PAGE_LOAD_MS)
    wait_until_idle(page)

    draw_vertical_stroke(page)

    prediction = page.get_by_test_id("stMetricValue")
    expect(prediction).to_have_text("1", timeout=PREDICTION_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=PREDICTION_MS)  # probabilities, model input
    wait_until_idle(page)
    save_screenshot(page, "draw.png")

    # The sidebar link keeps this session (and its drawing); page.goto would start a new one.
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Inside the network").click()
    expect(page.get_by_role("heading", name="The state map")).to_be_visible(timeout=PREDICTION_MS)
    expect(page.get_by_text("Input: your drawing")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(INSIDE_CHARTS, timeout=PREDICTION_MS)
    wait_until_idle(page)
    story = page.locator(".st-key-inside_story")
    expect(story).to_contain_text("That is its final answer")  # the cursor starts on row 28

    page.evaluate(RECORD_SWEEP)
    page.locator(".st-key-inside_sweep .updatemenu-button").first.click()  # Play: the figure's own button
    page.wait_for_function("() => window.__hrnnSweep.at(-1).text.startsWith('After row 28:')", timeout=PLAY_MS)
    seen, sweep_ms = page.evaluate("[window.__hrnnSweep.slice(1).map(s => s.text), window.__hrnnSweep.at(-1).t]")
    assert seen[0].startswith("After row 1:"), seen  # Play starts at the top...
    rows = [int(text.split()[2].rstrip(":")) for text in seen]
    assert rows == list(range(1, 29)), seen  # ...and shows every row, in order, to the last
    print(f"\nPlay: {len(seen)} frames shown, row 1 to row 28 in {sweep_ms / 1000:.1f} s after the click")
    wait_until_idle(page)

    latencies = _cursor_latencies(page, moves=CURSOR_MOVES)
    print(f"\ncursor move -> updated page, ms, {len(latencies)} moves: {sorted(round(t) for t in latencies)}")
    assert max(latencies) < CURSOR_UPDATE_MS


INSIDE_CHARTS = 6  # the sweep, the image, the two belief charts, the map, one heatmap
ROW_SLIDER = "[class*=st-key-inside_row_] input[type=range]"
CURSOR_MOVES = 6
PLAY_MS = 60_000  # a timeout, not a goal: Play is 28 frames of about 0.1 s, drawn by the browser alone
CURSOR_UPDATE_MS = 10_000  # a generous ceiling for a busy machine; docs/performance.md says how to measure it

# Whether the views show the cursor on `row`: the image and the image reader's heatmap outline that row, the map's
# cursor dot carries its label, and the belief heading names it.
VIEWS_SHOW_ROW = """row => {
    const graph = key => document.querySelector(`.st-key-${key} .js-plotly-plot`);
    const outlined = g => !!g?._fullLayout?.shapes?.some(s => s.line.width === 3 && s.y0 === row - 0.5);
    const map = graph('inside_state_map');
    const dot = !!map?._fullData?.some(t => t.name === 'cursor' && t.text?.[0] === `row ${row}`);
    const heading = [...document.querySelectorAll('h3')].some(h => h.textContent.endsWith(`after row ${row}`));
    return outlined(graph('inside_reading')) && outlined(graph('inside_image_reader')) && dot && heading;
}"""


# Records the sweep figure's title now and every new title it shows from now on, with the time since now (ms), in
# window.__hrnnSweep.
RECORD_SWEEP = """() => {
    const start = performance.now();
    const title = () => document.querySelector('.st-key-inside_sweep .gtitle')?.textContent;
    window.__hrnnSweep = [{text: title(), t: 0}];  // now
    const record = () => {
        const text = title();
        if (text && text !== window.__hrnnSweep.at(-1)?.text)
            window.__hrnnSweep.push({text, t: performance.now() - start});
    };
    new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _cursor_latencies(page, moves):
    """Milliseconds from a key press on the row slider to every view showing the new row, for `moves` moves."""
    slider = page.locator(ROW_SLIDER)
    latencies = []
    row = int(slider.input_value())
    for _ in range(moves):  # one row up the image per move, as a student steps back through it
        row, key = (row - 1, "ArrowLeft") if row > 1 else (row + 1, "ArrowRight")
        start = page.evaluate("performance.now()")
        slider.press(key)
        shown = page.wait_for_function(f"row => ({VIEWS_SHOW_ROW})(row) && performance.now()", arg=row, polling="raf")
        latencies.append(shown.json_value() - start)
        wait_until_idle(page, quiet_ms=300)
    return latencies


SCREENSHOT_DIGIT, SCREENSHOT_ROW = 149, 19  # a 2 the network takes for a 3 until about row 19


@pytest.mark.parametrize("device", VIEWPORTS)
def test_inside_page_lays_out_its_views_without_overlap(server, browser, device):
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    try:
        page.goto(f"{server}/draw")
        expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
        wait_until_idle(page)
        page.get_by_text("Test digit", exact=True).click()
        wait_until_idle(page)
        set_number(page, re.compile(r"^Test image \(0 to"), SCREENSHOT_DIGIT)
        wait_for_test_digit(page, SCREENSHOT_DIGIT)  # the input now: the page switch carries it to Inside
        if page.get_by_test_id("stExpandSidebarButton").is_visible():  # a phone keeps the sidebar folded away
            page.get_by_test_id("stExpandSidebarButton").click()
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Inside the network").click()
        expect(page.get_by_role("heading", name="The state map")).to_be_visible(timeout=PREDICTION_MS)
        if device == "phone" and page.get_by_test_id("stSidebarCollapseButton").is_visible():
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        wait_until_idle(page)
        slider = page.locator(ROW_SLIDER)
        for _ in range(28 - SCREENSHOT_ROW):
            slider.press("ArrowLeft")
        page.wait_for_function(VIEWS_SHOW_ROW, arg=SCREENSHOT_ROW, timeout=PREDICTION_MS)
        wait_until_idle(page)

        assert page.evaluate(LAYOUT_PROBLEMS) == {"overlaps": [], "overflow": []}
        save_screenshot(page, "inside.png" if device == "desktop" else "inside-phone.png")
        if device == "phone":  # the views come one under another: the cursor stays on screen above them
            page.locator(".st-key-inside_state_map").scroll_into_view_if_needed()
            panel = page.locator(f".st-key-{CURSOR_PANEL}").bounding_box()
            assert HEADER_PX - 1 <= panel["y"] <= HEADER_PX + 1 and panel["height"] < 844 / 5, panel  # under the header
            thumb = page.locator(f".st-key-{CURSOR_PANEL} [data-testid=stSlider]").bounding_box()
            on_top = f"document.elementFromPoint({thumb['x'] + thumb['width'] / 2}, {thumb['y'] + thumb['height'] / 2})"
            assert page.evaluate(f"!!{on_top}.closest('.st-key-{CURSOR_PANEL}')")  # nothing covers it
            page.locator("[data-testid=stMain]").evaluate("main => main.scrollTo(0, 0)")
            sweep = page.locator(".st-key-inside_sweep").bounding_box()  # Play's chart: on the first screen
            assert sweep["y"] + sweep["height"] <= 844, sweep
    finally:
        context.close()


# The names of the heatmap panels the chart with this key draws (the browser's own figure), or null before it has one.
PANELS = """key => [...document.querySelectorAll(`.st-key-${key} .js-plotly-plot`)]
    .map(g => g._fullData?.filter(t => t.type === 'heatmap').map(t => t.name).join()).find(n => n) ?? null"""
# Whether a chart outlines `row` (the cursor's colour, 3 px) in every one of its panels.
OUTLINED_IN_EVERY_PANEL = """([key, row, panels]) => {
    const g = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    return (g?._fullLayout?.shapes ?? []).filter(s => s.line.width === 3 && s.y0 === row - 0.5).length === panels;
}"""
# Whether the page scrolls sideways: the document, or Streamlit's <main>, which scrolls the page.
WIDER_THAN_THE_SCREEN = """() => document.documentElement.scrollWidth > innerWidth
    || [...document.querySelectorAll('[data-testid=stMain]')].some(m => m.scrollWidth > m.clientWidth)"""


def _press(page, device, locator):
    """Click on a desktop, tap on a phone (under the phone's sticky cursor panel: scrolled to the screen's middle)."""
    if device == "phone":
        locator.evaluate("e => e.scrollIntoView({block: 'center'})")
        locator.tap()
    else:
        locator.click()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_memory_and_the_gates_render_on_a_desktop_and_a_phone_with_no_sideways_scroll(server, browser, device):
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    try:
        page.goto(f"{server}/inside?digit={SCREENSHOT_DIGIT}&view=gates")  # the address names the view
        expect(page.get_by_role("heading", name="The units, row by row")).to_be_visible(timeout=PREDICTION_MS)
        wait_until_idle(page)
        page.wait_for_function(f"() => ({PANELS})('inside_image_gates') === 'f: kept,i: written,o: shown'")
        slider = page.locator(ROW_SLIDER)
        for _ in range(28 - SCREENSHOT_ROW):
            slider.press("ArrowLeft")
        page.wait_for_function(OUTLINED_IN_EVERY_PANEL, arg=["inside_image_gates", SCREENSHOT_ROW, 3])
        wait_until_idle(page)
        assert page.evaluate(LAYOUT_PROBLEMS) == {"overlaps": [], "overflow": []}
        assert not page.evaluate(WIDER_THAN_THE_SCREEN)
        if device == "desktop":
            _save_section(page, page.locator(".st-key-inside_units"), "inside-memory.png")

        _press(page, device, page.get_by_text("Memory c", exact=True))
        page.wait_for_function(f"() => ({PANELS})('inside_image_memory') === 'h: shown,c: memory'")
        _press(page, device, page.get_by_text("Row reader", exact=True))
        page.wait_for_function(f"() => ({PANELS})('inside_row_memory') === 'ink,h: shown,c: memory'")
        expect(page.get_by_text(f"Row {SCREENSHOT_ROW}, pixel by pixel")).to_be_visible()
        wait_until_idle(page)
        assert "reader=row" in page.url and "view=memory" in page.url  # the address follows the choices
        assert page.evaluate(LAYOUT_PROBLEMS)["overflow"] == []
        assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    finally:
        context.close()


def _save_section(page, locator, name):
    """Refresh docs/screenshots/<name> with one section of `page` (HRNN_SCREENSHOTS=1), in a window as tall as the
    page, as `save_screenshot` does a whole page (Streamlit's <main> would clip a section taller than the window)."""
    assert not SERVER_PATH.search(locator.inner_text())
    if os.environ.get("HRNN_SCREENSHOTS") != "1":
        return
    viewport = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    page.wait_for_timeout(1000)  # let the charts settle in the taller window
    locator.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size(viewport)


def test_an_experiment_tapped_on_a_phone_travels_by_its_link_to_another_browser(server, new_page):
    phone = new_page(**VIEWPORTS["phone"])
    phone.goto(f"{server}/inside?digit={SCREENSHOT_DIGIT}")
    expect(phone.get_by_role("heading", name="What if ...?")).to_be_visible(timeout=PREDICTION_MS)
    wait_until_idle(phone)
    phone.locator("[class*=st-key-what_if_rows_]").get_by_role("button", name="16", exact=True).tap()
    expect(phone.get_by_text(re.compile(r"^With 1 row erased it reads"))).to_be_visible(timeout=PREDICTION_MS)
    phone.get_by_role("button", name="Find the fewest rows that change its answer").tap()
    # Only the search writes this note; the sentence of one erased row may match `said` too, before the search.
    expect(phone.get_by_text(re.compile(r"^Erasing (these \d+ rows?|every row)"))).to_be_visible(timeout=PREDICTION_MS)
    said = phone.get_by_text(re.compile(r"^With \d+ rows? erased it reads .*: a different answer"))
    expect(said).to_be_visible(timeout=PREDICTION_MS)
    wait_until_idle(phone)
    sentence = said.inner_text()
    phone.get_by_text("Share this view").tap()
    link = phone.get_by_test_id("stCode").inner_text().strip()
    assert f"digit={SCREENSHOT_DIGIT}&erase=" in link, link

    desktop = new_page(**VIEWPORTS["desktop"])  # another browser: a new session, nothing but the link
    desktop.goto(link)
    expect(desktop.get_by_text(sentence, exact=True)).to_be_visible(timeout=PREDICTION_MS)


# The live chart's box on screen: while its fragment reruns, Streamlit may keep the previous copy of the element
# ("retained", or not laid out) beside the new one, so the current, laid-out copy is waited for.
LIVE_CHART_BOX = """() => {
    const shown = [...document.querySelectorAll('.st-key-live_chart')]
        .filter(e => e.dataset.retained !== 'true' && e.getBoundingClientRect().height > 0);
    const r = shown.length ? shown[0].getBoundingClientRect() : null;
    return r && {y: r.top, height: r.height};
}"""


def _box(locator, timeout_s=30):
    """The locator's box once it is laid out: while the page runs again (a run leaving the queue redraws it whole),
    its elements can be briefly hidden, and `bounding_box` then gives None."""
    deadline = time.monotonic() + timeout_s
    while (box := locator.bounding_box()) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert box is not None, f"{locator} never laid out"
    return box


def _check_train_layout(page, device):
    """The live chart where the device's screen shows it, and nothing overlapping or sticking out."""
    height = VIEWPORTS[device]["viewport"]["height"]
    start = _box(page.get_by_role("button", name="Start training"))
    assert start["y"] + start["height"] <= height  # Start (and Stop beside or under it) on the first screen
    wait_for_live_points(page, 2)
    page.wait_for_timeout(1000)  # the layout settles; never "idle" while the live view refreshes every second
    chart = page.wait_for_function(LIVE_CHART_BOX, timeout=TRAINING_MS).json_value()
    if device == "desktop":  # the whole chart on screen, beside the figures and the digit grid
        assert chart["y"] >= 0 and chart["y"] + chart["height"] <= height, chart
    else:  # one column: the chart starts on the first screen, right under the progress bar
        assert chart["y"] < height, chart
    assert page.evaluate(LAYOUT_PROBLEMS) == {"overlaps": [], "overflow": []}
    assert not paths_shown(page)  # its pictures come from a quick demo: measure/make_train_screenshots.py


def test_a_run_is_on_screen_of_a_desktop_and_a_phone_and_a_stopped_one_is_judged_saved_and_opens_on_draw(
    server, browser
):
    desktop = browser.new_context(**VIEWPORTS["desktop"])
    phone = browser.new_context(**VIEWPORTS["phone"])
    try:
        page = desktop.new_page()
        open_train_page(page, server)
        run_id, _ = start_run(page, small_settings(epochs=200, images=3000))  # minutes long: stopped below
        _check_train_layout(page, "desktop")
        on_phone = phone.new_page()  # the same run, watched from a student's phone (its address names it)
        open_train_page(on_phone, server, f"?run={run_id}")
        _check_train_layout(on_phone, "phone")
        expect(on_phone.locator(".st-key-stop")).to_have_count(0)  # not theirs to stop
        stop_button(page).click()  # the desktop that started it stops it; the phone sees who did
        expect(on_phone.get_by_test_id("stAlert").filter(has_text="The run stopped")).to_be_visible(timeout=TRAINING_MS)
        expect(on_phone.get_by_text("Stopped by the person who started it.")).to_be_visible()

        # The payoff, on the desktop page that started it: the digits read by the model it saved, a verdict in words
        # (on its last validation, or on the live grid when it stopped in its first epoch), the saved runs, and the
        # model on Draw.
        # (A finished run's verdict, against the shipped model, is tests/app/test_app.py's.)
        headline = re.compile(r"^Stopped early\. Your model reads [\d,]+ of [\d,]+ (test|validation|grid) digits right")
        expect(page.get_by_role("heading", name=headline)).to_be_visible(timeout=PREDICTION_MS)
        assert f"run={run_id}" in page.url
        wait_until_idle(page)  # the live view's elements are replaced by the ended run's
        expect(page.get_by_text(re.compile(r"It reads \d+ of 20 right after [\d,]+ images"))).to_be_visible()
        saved = page.get_by_test_id("stDataFrame")  # a canvas grid; its cells are in the canvas's accessible table
        expect(saved).to_contain_text(run_id)
        expect(saved).to_contain_text(re.compile(r"custom HRNN, \d+ of 200 epochs"))  # its name in words
        assert not paths_shown(page)  # its picture comes from a quick demo: measure/make_train_screenshots.py
        page.get_by_role("button", name="Try it on Draw").click()
        expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
        model = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Model")
        expect(model).to_have_accessible_name("Model")
        shown = model.evaluate(
            "el => el.value || el.getAttribute('aria-label') || el.closest('[data-baseweb=select]').innerText"
        )
        assert re.search(rf"custom HRNN, stopped(, [\d.]+% val)? \({re.escape(started_text(run_id))}\)", shown), shown
    finally:
        desktop.close()
        phone.close()


# Strings a visitor controls, put in the address: each is shown in the Train page's one-line warning as its own
# characters, with no link, image or element made of it (GitHub-style autolinks are found after escapes are read).
HOSTILE_RUN_NAMES = [
    "www.example.com",
    "http://example.com/a",
    "me@example.com",
    "[x](http://example.com/b)",
    "![i](http://127.0.0.1:9/i.png)",
    "<img src=x onerror=alert(1)>",
    ":red[red] :material/home:",
]


def test_strings_from_the_address_are_shown_as_text_never_as_links(server, page):
    for name in HOSTILE_RUN_NAMES:
        page.goto(f"{server}/?run={quote(name)}")
        warning = page.get_by_test_id("stCaptionContainer").filter(has_text="there is no run")  # a link's value ignored
        expect(warning).to_be_visible(timeout=PAGE_LOAD_MS)
        assert warning.locator("a, img, [data-testid=stIconMaterial]").count() == 0, name
        assert name in warning.inner_text().replace("\u2060", ""), name  # what a reader sees: the name's characters


def _this_machines_other_address():
    """An IPv4 address of this machine other than loopback, or None (a machine with no network has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_started_from_another_folder_it_answers_only_this_machine(browser, tmp_path):
    address = _this_machines_other_address()
    if address is None:
        pytest.skip("this machine has no address but loopback to visit from")
    # Started without its settings (app.py away from .streamlit/, started elsewhere, as an older Streamlit did from
    # any other folder): no address is set, and Streamlit listens on every interface.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(REPO / "app.py", elsewhere)
    env = dict(PYTHONPATH=str(REPO))
    server = Server(tmp_path, app_dir=elsewhere, started_in=tmp_path, address=None, **env).start()
    context = browser.new_context(viewport=VIEWPORTS["desktop"]["viewport"])
    try:
        page = context.new_page()
        page.goto(f"http://{address}:{server.port}/")
        expect(page.get_by_text("This lab answers only the machine it runs on")).to_be_visible(timeout=PAGE_LOAD_MS)
        expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_have_count(0)
        page.goto(server.url)  # this machine itself is answered as always
        expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_be_visible(timeout=PAGE_LOAD_MS)
    finally:
        context.close()
        server.stop()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_a_page_picked_in_the_sidebar_closes_it_on_a_phone_and_not_on_a_desktop(server, browser, device):
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    sidebar = page.get_by_test_id("stSidebar")
    try:
        page.goto(f"{server}/evaluate")
        expect(page.get_by_role("heading", name="Evaluate and compare")).to_be_visible(timeout=PAGE_LOAD_MS)
        if device == "phone":
            expect(sidebar).to_have_attribute("data-collapsed", "true")  # folded away on a phone
            page.get_by_test_id("stExpandSidebarButton").tap()
        expect(sidebar).to_have_attribute("data-collapsed", "false")
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Draw").click()
        expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
        # A phone shows the page it asked for, not the sidebar over 300 of its 390 px; a desktop keeps its sidebar.
        expect(sidebar).to_have_attribute("data-collapsed", "true" if device == "phone" else "false")
        if device == "phone":  # opened again to pick a model, it stays open while the page runs again
            page.get_by_test_id("stExpandSidebarButton").tap()
            sidebar.get_by_test_id("stSelectbox").filter(has_text="Compare with").get_by_role("combobox").click()
            page.get_by_role("option", name="Shipped pretrained model").click()  # the page runs again
            wait_until_idle(page)
            expect(sidebar).to_have_attribute("data-collapsed", "false")
    finally:
        context.close()


@pytest.mark.parametrize(
    "path, heading",
    [("/inside?digit=7", "Inside the network"), ("/draw", "Draw a digit"), ("/", "Train the hierarchical RNN")],
    ids=["inside", "draw", "train"],
)
def test_every_control_on_a_phone_is_a_finger_wide(server, browser, path, heading):
    """Buttons, radio lines and slider thumbs of 44 px or more on a phone (the walkthrough measured row buttons of
    33 x 32 px, 13 px radio circles and 16 px slider thumbs)."""
    context = browser.new_context(**VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto(f"{server}{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=PAGE_LOAD_MS)
        wait_until_idle(page)
        if path == "/":
            open_settings(page)
        wait_until_idle(page)
        assert page.evaluate(SMALL_CONTROLS) == []
    finally:
        context.close()
