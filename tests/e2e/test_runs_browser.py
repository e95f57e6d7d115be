"""Runs that survive, in a real browser: a reload and a server restart each re-attach the page to the run still
training, Stop stops it, and students who open its link watch it and cannot stop it; two people train at once, each
watching their own run, while a third draws.

The tests print what they measure (run with `-s`): Start to the first batch on the chart, and the Draw page's pen-up
to prediction while two runs train.
"""

import secrets
import time

import pytest
from playwright.sync_api import expect

from hrnn import runs
from hrnn.runs.store.records import epoch_seconds
from hrnn.ui.common import ownership
from hrnn.ui.common.run_names import started_text
from tests.support.browser import (
    CANVAS,
    PAGE_LOAD_MS,
    TRAINING_MS,
    VIEWPORTS,
    draw_vertical_stroke,
    open_train_page,
    small_settings,
    start_run,
    stop_button,
    wait_for_live_points,
    wait_for_prediction,
    wait_until_idle,
)
from tests.support.server import VIEWPORT, Server

# One file's tests share one app server (a module fixture): pytest-xdist hands them to one worker together.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_runs_browser")]
WARM_SPARE = True  # runs start as on a real server: a warm spare takes the first, a new spare the next


# The x of the first point of the live chart's batch-loss line (in epochs), or null when there is none.
FIRST_BATCH_X = """() => [...document.querySelectorAll('.st-key-live_chart .js-plotly-plot')]
    .flatMap(graph => (graph._fullData || []).filter(trace => trace.meta === 'batch_loss'))
    .map(trace => trace.x[0])[0] ?? null"""


def test_a_run_survives_a_reload_and_a_server_restart_and_stop_stops_it(browser, tmp_path):
    server = Server(tmp_path, warm_spare=True, HRNN_MAX_EPOCHS="200").start()
    try:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        open_train_page(page, server.url)
        run_id, clicked = start_run(page, small_settings(epochs=200))  # stopped below
        before = wait_for_live_points(page, 0)
        print(f"\nStart -> first batch on the chart: {time.perf_counter() - clicked:.2f} s")

        # Away to Draw and back by the sidebar: the page still watches the run, and Start stays disabled.
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Draw").click()
        expect(page.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Train").click()
        expect(page.get_by_text(f"Run {run_id}:")).to_be_visible(timeout=PAGE_LOAD_MS)
        expect(page.get_by_role("button", name="Start training")).to_be_disabled()
        assert f"run={run_id}" in page.url

        page.reload()  # a new session: only the URL remembers the run
        expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_be_visible(timeout=PAGE_LOAD_MS)
        before = wait_for_live_points(page, before)  # its curve, from the first batch, still growing
        expect(page.get_by_text(f"Run {run_id}:")).to_be_visible()

        server.kill()  # as a crash would
        assert runs.find_run(run_id, tmp_path / "runs").live  # the worker goes on without the server
        server.start()
        page.reload()
        expect(page.get_by_role("heading", name="Train the hierarchical RNN")).to_be_visible(timeout=PAGE_LOAD_MS)
        assert runs.find_run(run_id, tmp_path / "runs").live
        wait_for_live_points(page, before)  # live again...
        assert page.evaluate(FIRST_BATCH_X) == pytest.approx(1 / 10)  # ...with every batch since the first (of 10)

        # Students open the teacher's link: on a phone, and in a browser whose owner cookie is forged. They watch
        # the run and cannot stop it: there is no Stop to press (the teacher's Stop, above, still works after the
        # reload and the restart: the key is in the teacher's cookie, never in the link).
        students = [browser.new_context(**VIEWPORTS["phone"]), browser.new_context(viewport=VIEWPORT)]
        students[1].add_cookies([{"name": ownership.COOKIE, "value": secrets.token_urlsafe(24), "url": server.url}])
        watchers = [student.new_page() for student in students]
        for watcher in watchers:
            watcher.goto(page.url)
            expect(watcher.get_by_text(f"Run {run_id}:")).to_be_visible(timeout=PAGE_LOAD_MS)
            expect(watcher.get_by_text("only the browser that started it can stop it")).to_be_visible()
            expect(watcher.locator(".st-key-stop")).to_have_count(0)
            # Under load the page can still be running its first script run: its widgets come with it.
            expect(watcher.get_by_role("button", name="Start training")).to_be_enabled(timeout=PAGE_LOAD_MS)
        assert runs.find_run(run_id, tmp_path / "runs").live

        stop_button(page).click()
        expect(page.get_by_test_id("stAlert").filter(has_text="The run stopped after")).to_be_visible(
            timeout=TRAINING_MS
        )
        entry = runs.find_run(run_id, tmp_path / "runs")
        assert entry.status == "stopped" and entry.has_model
        for watcher in watchers:  # the class sees who stopped it
            expect(watcher.get_by_text("Stopped by the person who started it.")).to_be_visible(timeout=PAGE_LOAD_MS)
        for student in students:
            student.close()
        expect(page.get_by_test_id("stDataFrame")).to_contain_text(run_id)
        page.context.close()
    finally:
        server.stop()


def test_two_people_train_at_once_each_watching_their_own_run_while_a_third_draws(server, new_page, e2e_dir):
    first, second = new_page(), new_page()
    ids = []
    for person, units in ((first, 16), (second, 12)):
        open_train_page(person, server)
        ids.append(start_run(person, small_settings(epochs=200, units=units))[0])  # stopped below
    for person, run_id in zip((first, second), ids):
        wait_for_live_points(person, 0)
        # Each page watches its own run. The run's start can rerun the whole page once more (Stop reads Cancel only
        # while the run waits), and under load that rerun takes seconds to reach this caption.
        expect(person.get_by_text(f"Run {run_id}:")).to_be_visible(timeout=PAGE_LOAD_MS)
    # The other's run is listed, to be opened with one click; its curves are not shown.
    expect(first.get_by_text(f"(started {started_text(ids[1])})")).to_be_visible(timeout=PAGE_LOAD_MS)
    expect(first.get_by_role("button", name="Watch")).to_be_visible()

    drawer = new_page()
    drawer.goto(f"{server}/draw")
    expect(drawer.get_by_role("heading", name="Draw a digit")).to_be_visible(timeout=PAGE_LOAD_MS)
    drawer.locator(CANVAS).wait_for(timeout=PAGE_LOAD_MS)
    wait_until_idle(drawer)
    draw_vertical_stroke(drawer)
    wait_for_prediction(drawer)  # the first prediction loads the model; measure/measure_draw.py --train times them
    expect(drawer.get_by_test_id("stMetricValue")).to_have_text("1")  # read while two runs train
    assert all(runs.find_run(run_id, e2e_dir / "runs").live for run_id in ids), "a run ended before the drawing"
    stop_button(second).click()
    expect(second.get_by_test_id("stAlert").filter(has_text="The run stopped")).to_be_visible(timeout=TRAINING_MS)
    # The first page, still watching its own run, lists the other's among the saved runs without a reload.
    expect(first.get_by_test_id("stDataFrame")).to_contain_text(ids[1], timeout=PAGE_LOAD_MS)
    stop_button(first).click()
    expect(first.get_by_test_id("stAlert").filter(has_text="The run stopped")).to_be_visible(timeout=TRAINING_MS)
    # They trained at once: each held a training slot (from `started`, when it left the queue, to `finished`) while
    # the other did. With one slot the second would start only after the first stopped, and this fails.
    records = [runs.find_run(run_id, e2e_dir / "runs").read_record() for run_id in ids]
    spans = [(epoch_seconds(r.started), epoch_seconds(r.finished)) for r in records]
    assert all(start is not None and end is not None for start, end in spans), spans
    (start_1, end_1), (start_2, end_2) = spans
    assert start_1 < end_2 and start_2 < end_1, [(r.started, r.finished) for r in records]
