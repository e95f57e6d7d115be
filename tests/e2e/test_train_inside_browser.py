"""Train's inside view in a real browser (issue 33), on a desktop (1440 x 900) and a phone (390 x 844, touch): while a
run of the quick demo's model trains, the heatmap of the watched digit changes again and again (counted, not timed);
a tap watches another digit; at the end the heatmap is the run's last snapshot, the final model's memory, within
float16; a replay link opens that digit at that moment in a fresh browser; the phone never scrolls sideways.

The run is the quick demo's model on fewer images and epochs (every batch is a snapshot then), so the test takes
about a minute, not the demo's three.
"""

import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from hrnn.runs.store.snapshots import SnapshotReader
from tests.support.browser import PAGE_LOAD_MS, TRAINING_MS, VIEWPORTS, open_train_page, start_run

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_train_inside_browser")]

HEATMAP = ".st-key-inside_heatmap .js-plotly-plot"
# While the live panel redraws, Streamlit may keep the chart's previous element, hidden, beside the new one: wait for
# and read the one on screen.
SHOWN_HEATMAP = f"{HEATMAP} >> visible=true"
FLOAT16 = dict(rtol=2**-11, atol=1e-6)
EIGHT_BITS = dict(rtol=0, atol=1 / 254 + 1e-6)
SETTINGS = {"Epochs": 3, re.compile(r"^Training images \(of "): 2000}  # the demo's model: 63 batches an epoch


def heatmap(page):
    """`(units shown, values (28, units))` of the heatmap on screen, as plotly holds them; None before it is drawn."""
    found = page.evaluate(
        f"""() => {{ const el = [...document.querySelectorAll({json.dumps(HEATMAP)})].filter(e => e.offsetParent).pop();
            return el && el.data ? [el.data[0].x, el.data[0].z] : null; }}"""
    )
    return None if found is None else ([int(u) for u in found[0]], np.array(found[1], dtype=np.float64))


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_inside_changes_while_a_run_trains_ends_as_its_last_snapshot_and_replays_from_a_link(
    server, browser, e2e_dir, device
):
    context = browser.new_context(**VIEWPORTS[device])
    fresh = browser.new_context(**VIEWPORTS[device])
    try:
        page = context.new_page()
        open_train_page(page, server)
        run_id, _ = start_run(page, SETTINGS)
        page.locator(SHOWN_HEATMAP).first.wait_for(timeout=TRAINING_MS)
        # While it trains: count the heatmap's changes, reading it as often as a person might glance at it.
        seen, changes, tapped = None, 0, False
        finished = page.get_by_test_id("stAlert").filter(has_text="The run finished")
        while not finished.is_visible():
            shown = heatmap(page)
            if shown is not None and seen is not None and not np.array_equal(shown[1], seen[1]):
                changes += 1
            seen = shown or seen
            if changes >= 3 and not tapped:  # watch the 4th grid digit: a tap (a click on the desktop)
                pick = page.locator(".st-key-inside_grid_digit button").nth(3)
                pick.tap() if device == "phone" else pick.click()
                tapped = True
            assert no_sideways_scroll(page)
            page.wait_for_timeout(500)
        assert changes >= 5, f"the heatmap changed {changes} times while the run trained"
        print(f"{device}: the heatmap changed {changes} times while the run trained")
        assert tapped
        expect(page.get_by_text(re.compile(r"^Inside, grid digit 4 \(a \d\), through the run"))).to_be_visible(
            timeout=PAGE_LOAD_MS
        )

        # The end: the run's last snapshot (the final model's own memory, tests/train/test_snapshots.py) in float16.
        reader = SnapshotReader(e2e_dir / "runs" / run_id)
        times = reader.times()
        last = reader.read(len(times) - 1)
        assert times[-1].memory and len(times) >= 50
        expect(page.get_by_test_id("stSliderThumbValue")).to_have_text(
            re.compile(rf"^{len(times)} of {len(times)}: after"), timeout=PAGE_LOAD_MS
        )
        units, values = heatmap(page)
        np.testing.assert_allclose(values, last.hidden[3][:, units], **FLOAT16)
        assert "grid=4" in page.url and f"moment={len(times)}" in page.url
        assert no_sideways_scroll(page)

        # A replay link, opened in a fresh browser: the 2nd digit at the 10th moment.
        other = fresh.new_page()
        open_train_page(other, server, f"?run={run_id}&grid=2&moment=10")
        expect(other.get_by_text(re.compile(r"^Inside, grid digit 2 \(a \d\), through the run"))).to_be_visible(
            timeout=PAGE_LOAD_MS
        )
        thumb = other.get_by_test_id("stSliderThumbValue")
        # The slider comes after the heatmap in the page's first run: under load, seconds after the heading above.
        expect(thumb).to_have_text(
            re.compile(rf"^10 of {len(times)}: after {times[9].samples_seen:,} images"), timeout=PAGE_LOAD_MS
        )
        other.locator(SHOWN_HEATMAP).first.wait_for()
        units, values = heatmap(other)
        np.testing.assert_allclose(values, reader.read(9).hidden[1][:, units], **EIGHT_BITS)
        assert no_sideways_scroll(other)
    finally:
        context.close()
        fresh.close()
