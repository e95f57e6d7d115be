"""A real `streamlit run app.py` and a real Chromium, shared by the browser tests of this folder.

The server gets its own runs folder, no network, and the full MNIST when one is found (else a small synthetic set).
Its log is written next to the test's temporary files and its path printed when a test fails, together with a
screenshot of the page at the moment of failure.
"""

import pytest

from tests.support.server import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Server, require_chromium


@pytest.fixture(scope="module")
def e2e_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def server(e2e_dir, request):
    """Base URL of `streamlit run app.py` on a free loopback port; the server is stopped after the module. Two runs
    may train at once (`HRNN_MAX_RUNS=2`), whatever the machine, and for up to 200 epochs (long enough to be watched,
    then stopped). It keeps a warm spare worker where the module sets `WARM_SPARE = True`."""
    require_chromium()
    spare = getattr(request.module, "WARM_SPARE", False)
    running = Server(e2e_dir, warm_spare=spare, HRNN_MAX_RUNS="2", HRNN_MAX_EPOCHS="200").start()
    try:
        yield running.url
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page, so a fresh Streamlit session."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser):
    """Makes more fresh browser pages (other people's browsers), each in its own context; closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": VIEWPORT, **options})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, save a screenshot and name it and the server log in the report."""
    report = yield
    page, folder = item.funcargs.get("page"), item.funcargs.get("e2e_dir")
    if report.when == "call" and report.failed and page is not None and folder is not None:
        shot = folder / f"{item.name}-failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception as exc:  # a dead page must not hide the real failure
            shot = f"(no screenshot: {exc})"
        report.sections.append(("browser test", f"screenshot: {shot}\nstreamlit log: {folder / 'streamlit.log'}"))
    return report
