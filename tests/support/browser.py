"""What a person does on the app's pages, for the browser tests: wait for Streamlit, fill in a number, draw a stroke,
start a small run, count the points of the live curve."""

import os
import re
import time

from playwright.sync_api import expect

from tests.support.data import REPO

PAGE_LOAD_MS = 120_000  # the first page load imports TensorFlow and loads MNIST on a possibly busy machine
PREDICTION_MS = 60_000  # the first prediction loads and compiles the model
TRAINING_MS = 240_000  # a run's worker process may import TensorFlow before its first batch

VIEWPORTS = {
    "desktop": dict(viewport={"width": 1440, "height": 900}),
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
}

# The page's visible elements (innermost element containers) that overlap one another or stick out of the window.
LAYOUT_PROBLEMS = """() => {
    const leaves = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]')]
        .filter(e => !e.querySelector('[data-testid=stElementContainer]') && e.offsetParent !== null)
        .filter(e => !e.closest('details:not([open])'))  // a folded expander's content is laid out, unseen
        .filter(e => getComputedStyle(e).position !== 'absolute');  // laid over another on purpose (Draw's gallery)
    const boxes = leaves.map(e => {
        const r = e.getBoundingClientRect();
        const name = (e.className.match(/st-key-\\S+/) || [e.firstElementChild?.dataset.testid || e.tagName])[0];
        return {name: `${name}: ${e.innerText.slice(0, 30)}`, l: r.left, r: r.right, t: r.top, b: r.bottom};
    }).filter(b => b.r > b.l && b.b > b.t);
    const overlaps = [];
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
        if (Math.min(a.r, b.r) - Math.max(a.l, b.l) > 2 && Math.min(a.b, b.b) - Math.max(a.t, b.t) > 2)
            overlaps.push([a.name, b.name]);
    }));
    const overflow = boxes.filter(b => b.l < -1 || b.r > window.innerWidth + 1).map(b => b.name);
    return {overlaps, overflow};
}"""

SCREENSHOTS = REPO / "docs" / "screenshots"

# The Draw page's canvas (hrnn/ui/draw/canvas/draw.html), in its component's shadow root: Playwright's CSS selectors
# pierce open shadow roots, and its pointer events reach the document.
CANVAS = "[data-testid=hrnn-canvas]"

# The most points in the per-batch loss trace (meta 'batch_loss') of the watched run's live chart (0 if there is none;
# before the first batch the trace holds one null, which keeps its name in the legend).
# The traces are read from plotly.js's `_fullData`: `data` holds plotly.py 6's base64-packed arrays ({dtype, bdata}),
# which have no length. (Apps before the legend named its lines by kind called that trace 'batch loss'; the
# measuring script serves those too.)
LIVE_BATCH_POINTS = """() => Math.max(0, ...[...document.querySelectorAll('.st-key-live_chart .js-plotly-plot')]
    .flatMap(graph => (graph._fullData || [])
        .filter(trace => trace.meta === 'batch_loss' || trace.name === 'batch loss')
    .map(trace => trace.x.filter(x => x !== null).length)))"""


def wait_until_idle(page, timeout=PAGE_LOAD_MS, quiet_ms=1000):
    """Wait until the Streamlit script has not been running for `quiet_ms`.

    The browser learns that a widget change started a rerun only when the server says so, and reruns that were
    asked for quickly one after the other are merged, so one glimpse of "notRunning" is not enough.
    """
    page.evaluate("window.__hrnnIdleSince = undefined")
    page.wait_for_function(
        """quietMs => {
            const state = document.querySelector('[data-testid=stApp]')?.dataset.testScriptState;
            if (state !== 'notRunning') { window.__hrnnIdleSince = undefined; return false; }
            window.__hrnnIdleSince ??= performance.now();
            return performance.now() - window.__hrnnIdleSince >= quietMs;
        }""",
        arg=quiet_ms,
        timeout=timeout,
    )


def number_field(page, label):
    return page.get_by_label(label, exact=isinstance(label, str))


def set_number(page, label, value):
    """Type into a number input and press Enter, which is when Streamlit sends the value and reruns."""
    field = number_field(page, label)
    field.fill(str(value))
    field.press("Enter")
    expect(field).to_have_value(str(value))
    wait_until_idle(page)


def open_train_page(page, server, query=""):
    """Open the Train page (`query` may name a run to watch: "?run=<id>").

    A page that watches a live run reruns its live view every second, and on a slow machine a rerun may take that
    long, so the script is never idle: such a page is ready once it shows Start, not once it is quiet.
    """
    page.goto(f"{server}/{query}")  # Train is the default page: Streamlit serves it at the root
    expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_be_visible(timeout=PAGE_LOAD_MS)
    if "run=" in query:
        expect(page.get_by_role("button", name="Start training")).to_be_visible(timeout=PAGE_LOAD_MS)
    else:
        wait_until_idle(page)


def small_settings(epochs, units=16, images=300):
    return {
        "Epochs": epochs,
        "Row reader size": units,
        "Image reader size": units,
        re.compile(r"^Training images \(of "): images,
    }


def _settings_summary(page):
    return page.locator("summary").filter(has=page.get_by_text("Settings", exact=True))


def _fold_settings(page, unfolded, tries=4):
    """Unfold (`unfolded`) or fold the Train page's Settings. A click that lands while the page is being redrawn can be
    lost on a busy machine, so it is tried again until the settings show, or are gone."""
    summary, epochs = _settings_summary(page), number_field(page, "Epochs")
    settled = expect(epochs).to_be_visible if unfolded else expect(epochs).to_be_hidden
    for _ in range(tries - 1):
        if (summary.locator("xpath=..").get_attribute("open") is not None) != unfolded:
            summary.click()
        try:
            settled(timeout=10_000)
            return
        except AssertionError:
            continue
    settled()


def open_settings(page):
    """Unfold the Train page's Settings (folded under Start by default)."""
    _fold_settings(page, unfolded=True)


def close_settings(page):
    """Fold the Settings again, as a person does once they are set (the run's chart then comes under Start)."""
    _fold_settings(page, unfolded=False)


def start_run(page, settings):
    """Fill in `settings` ({label: value}), press Start and return the run's id (which the page puts in its URL)
    and the `time.perf_counter()` of the click."""
    if settings:
        open_settings(page)
    for label, value in settings.items():
        set_number(page, label, value)
    for label, value in settings.items():  # every value survived the reruns the others started
        expect(number_field(page, label)).to_have_value(str(value))
    if settings:
        close_settings(page)
    page.get_by_role("button", name="Start training").click()
    clicked = time.perf_counter()
    page.wait_for_function("() => /[?&]run=/.test(location.search)", timeout=PAGE_LOAD_MS)
    return page.evaluate("() => new URLSearchParams(location.search).get('run')"), clicked


def wait_for_test_digit(page, index, timeout=PREDICTION_MS):
    """Wait until the page shows test image `index` as its input, by its caption ("test image 7 (true label 9)",
    written by the server in the run that reads it), and that run has ended; returns the caption. Until then the
    page may still show the previous input's reading, and a page switch would carry the previous input."""
    caption = page.get_by_text(re.compile(rf"^test image {index} \(true label \d\)"))
    expect(caption).to_be_visible(timeout=timeout)
    wait_until_idle(page)
    return caption


def stop_button(page):
    """The Train page's Stop button. Not `get_by_role("button", name="Stop")`: while a script run lasts over half a
    second, as on a busy machine, Streamlit's header shows a Stop button of its own, and a click on a locator that
    matches two buttons fails at once."""
    return page.locator(".st-key-stop").get_by_role("button", name="Stop")


def wait_for_prediction(page, timeout=PREDICTION_MS):
    """Wait, checking every animation frame, until the Draw page shows a prediction."""
    page.wait_for_function(
        "() => !!document.querySelector('[data-testid=stMetricValue]')", polling="raf", timeout=timeout
    )


def live_points(page):
    return page.evaluate(LIVE_BATCH_POINTS)


def wait_for_live_points(page, more_than, timeout=TRAINING_MS):
    page.wait_for_function(f"({LIVE_BATCH_POINTS})() > {more_than}", timeout=timeout)
    return live_points(page)


def draw_vertical_stroke(page, dx=0):
    """A mouse stroke down the middle of the 280 x 280 canvas (shifted `dx` pixels), as a person draws a 1."""
    canvas = page.locator(CANVAS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2 + dx
    top, bottom = box["y"] + 40 * box["height"] / 280, box["y"] + 240 * box["height"] / 280
    page.mouse.move(x, top)
    page.mouse.down()
    steps = 40
    for i in range(1, steps + 1):
        page.mouse.move(x, top + (bottom - top) * i / steps)
    page.mouse.up()


# The page's visible controls smaller than a finger's 44 px, as [kind, width, height, text]: buttons (plotly's toolbar
# and Streamlit's element toolbar apart: a phone hides the first, the second is Streamlit's own), a radio's lines
# and a slider's thumb.
SMALL_CONTROLS = """() => {
    const small = [];
    const shown = (e) => e.offsetParent !== null && e.getBoundingClientRect().width > 0;
    const check = (kind, e) => {
        const box = e.getBoundingClientRect();
        if (box.width < 44 || box.height < 44) {
            const text = (e.innerText || e.getAttribute('aria-label') || '').slice(0, 30);
            small.push([kind, Math.round(box.width), Math.round(box.height), text]);
        }
    };
    const main = document.querySelector('[data-testid=stMain]');
    main.querySelectorAll('button').forEach(b => {
        if (shown(b) && !b.closest('.modebar-container, [data-testid=stElementToolbar]')) check('button', b);
    });
    main.querySelectorAll('[data-testid=stRadio] label').forEach(l => shown(l) && check('radio', l));
    main.querySelectorAll('[role=slider]').forEach(s => shown(s) && check('slider', s));
    return small;
}"""

# A server's path in a page's text: the docs' screenshots must show none (a runs folder, a test's temporary folder).
SERVER_PATH = re.compile(r"(?<![\w.])/(tmp|home|root|srv|var|usr|opt|work)/|pytest-of-")


def paths_shown(page):
    """The server paths in the text the page shows (`SERVER_PATH`), as a list; none is the rule."""
    return [m.group(0) for m in SERVER_PATH.finditer(page.locator("[data-testid=stMain]").inner_text())]


def save_screenshot(page, name):
    """Refresh docs/screenshots/<name> when asked to (HRNN_SCREENSHOTS=1); tests leave the repo alone otherwise. The
    page must show no server path (`paths_shown`), asked or not: the docs' pictures are made of these pages.

    Streamlit scrolls inside <main>, not the document, so `full_page` alone shows one screen: the viewport is made
    as tall as the page's content for the capture.
    """
    assert not paths_shown(page), f"{name} would show a server path: {paths_shown(page)}"
    if os.environ.get("HRNN_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
    page.wait_for_timeout(1000)  # let the charts settle in the taller window
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True, scale="css")  # a phone's 3x density: 1 px each
    page.set_viewport_size(viewport)


# Note the time of the next pointerup (anywhere: the canvas lives in a shadow root) and of the first prediction
# figure to appear after it.
PEN_WATCH = """() => {
    window.__pen = {up: null, shown: null};
    const up = () => { window.__pen.up ??= performance.now(); };
    document.addEventListener('pointerup', up, {once: true, capture: true});
    const observer = new MutationObserver(() => {
        if (window.__pen.up !== null && document.querySelector('[data-testid=stMetricValue]')) {
            window.__pen.shown = performance.now();
            observer.disconnect();
        }
    });
    observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def pen_up_latencies(page, url, strokes, quiet_ms=300):
    """Open Draw in `page` and draw `strokes` + 1 strokes, each on a cleared canvas; returns each one's pen-up to
    prediction in milliseconds, timed inside the page (from the `pointerup` to the prediction's appearance, so the
    automation's own round trips are not in it). The first stroke also loads the model."""
    page.goto(f"{url}/draw")
    page.locator(CANVAS).wait_for(timeout=PAGE_LOAD_MS)
    wait_until_idle(page)
    times = []
    for stroke in range(strokes + 1):
        if stroke:
            page.get_by_role("button", name="Clear").click()
            expect(page.get_by_test_id("stMetricValue")).to_have_count(0, timeout=PAGE_LOAD_MS)
            wait_until_idle(page, quiet_ms=quiet_ms)
        page.evaluate(PEN_WATCH)
        draw_vertical_stroke(page, dx=(stroke % 3 - 1) * 20)
        page.wait_for_function("() => window.__pen.shown !== null", polling="raf", timeout=PREDICTION_MS)
        up, shown = page.evaluate("[window.__pen.up, window.__pen.shown]")
        times.append(round(shown - up))
    return times


def percentile(values, share):
    """The value at `share` (0 to 1) of `values` sorted, the nearest rank; None for no values. For the measuring
    scripts' medians and p90s of pen-up times."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else None
