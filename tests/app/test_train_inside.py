"""The Train page's inside view and replay (issue 33): the watched digit's hidden states, probabilities and the grid's
verdicts, all from one snapshot of the run; the latest while it trains, any of them once it has ended; the digit and
the moment in the address; a run without snapshots says so in one line."""

import json

import numpy as np
import pytest

from hrnn import settings
from hrnn.analysis.units import order_units
from hrnn.runs.store.snapshots import RECORD_HEAD, RECORDS_NAME, SnapshotWriter
from hrnn.ui.train.inside_view import NO_SNAPSHOTS
from tests.support.app import page, shown
from tests.support.run_files import write_finished_run
from tests.support.snapshots import EIGHT_BITS, FLOAT16, LABELS, make_snapshot

RUN_ID = "20250101-000000-inside"
COUNT = 12


def figure(at, key):
    """The plotly figure (as JSON) of the chart with `key`."""
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return json.loads(chart.proto.spec)


def keyed(widgets, key):
    (found,) = [w for w in widgets if w.key == key]
    return found


def write_snapshots(folder, count=COUNT, ended=True):
    """`count` snapshots in the run folder, the last the run's end (with the whole memory) when `ended`."""
    taken = [make_snapshot(k + 1, full=ended and k == count - 1) for k in range(count)]
    writer = SnapshotWriter(folder.path)
    for snapshot in taken:
        writer(snapshot)
    writer.close()
    return taken


def assert_heatmap_is(heatmap, hidden, tolerance):
    """The heatmap `(28, units shown)` holds `hidden` `(28, units)`'s units named on its x axis."""
    units = [int(u) for u in heatmap["x"]]
    np.testing.assert_allclose(np.array(heatmap["z"]), hidden[:, units], **tolerance)


def caption_texts(at):
    return [shown(c.value) for c in at.caption]


@pytest.fixture
def ended_run(small_model):
    folder = write_finished_run(settings.runs_dir() / RUN_ID, small_model)
    return write_snapshots(folder)


def open_run(**address):
    at = page("train")
    at.query_params["run"] = RUN_ID
    for name, value in address.items():
        at.query_params[name] = value
    return at.run()


def test_an_ended_run_shows_its_end_and_replays_every_snapshot(ended_run):
    at = open_run()
    assert not at.exception
    assert keyed(at.select_slider, "inside_moment").value == COUNT - 1  # the end
    fig = figure(at, "inside_heatmap")
    last = ended_run[-1].memory.hidden[0]
    assert_heatmap_is(fig["data"][0], last, FLOAT16)  # the end is kept in float16, as the final model gives it
    assert [int(u) for u in fig["data"][0]["x"]] == list(order_units(last)[:32])  # Inside's order
    assert len(fig["frames"]) == COUNT  # Play walks through every snapshot, in the browser
    for k, frame in enumerate(fig["frames"]):  # each frame replaces the heatmap's values, its units the same
        tolerance = dict(rtol=0, atol=EIGHT_BITS["atol"] + 0.5e-4)  # rounded to 4 decimals to travel
        assert_heatmap_is(
            {"z": frame["data"][0]["z"], "x": fig["data"][0]["x"]}, ended_run[k].memory.hidden[0], tolerance
        )
    probs = figure(at, "inside_probs")["data"][0]["y"]
    np.testing.assert_allclose(probs, ended_run[-1].probs[0], **FLOAT16)
    right = int((ended_run[-1].probs.argmax(axis=1) == np.array(LABELS)).sum())
    assert any(f"It reads {right} of 20 right after {COUNT * 32:,} images" in c for c in caption_texts(at))
    assert at.query_params["moment"] == str(COUNT) and "grid" not in at.query_params


def test_a_digit_and_a_moment_chosen_are_shown_and_held_in_the_address(ended_run):
    at = open_run()
    keyed(at.pills, "inside_grid_digit").set_value(5).run()
    assert not at.exception
    assert_heatmap_is(figure(at, "inside_heatmap")["data"][0], ended_run[-1].memory.hidden[5], FLOAT16)
    assert at.query_params["grid"] == "6"
    keyed(at.select_slider, "inside_moment").set_value(3).run()
    assert not at.exception
    assert_heatmap_is(figure(at, "inside_heatmap")["data"][0], ended_run[3].memory.hidden[5], EIGHT_BITS)
    np.testing.assert_allclose(figure(at, "inside_probs")["data"][0]["y"], ended_run[3].probs[5], **FLOAT16)
    right = int((ended_run[3].probs.argmax(axis=1) == np.array(LABELS)).sum())
    assert any(f"It reads {right} of 20 right after 128 images" in c for c in caption_texts(at))
    assert at.query_params["moment"] == "4" and at.query_params["grid"] == "6"


def test_a_shared_link_opens_the_replay_at_its_digit_and_moment(ended_run):
    at = open_run(grid="3", moment="5")
    assert not at.exception
    assert keyed(at.pills, "inside_grid_digit").value == 2
    assert keyed(at.select_slider, "inside_moment").value == 4
    assert_heatmap_is(figure(at, "inside_heatmap")["data"][0], ended_run[4].memory.hidden[2], EIGHT_BITS)


@pytest.mark.parametrize(
    "address, said",
    [
        ({"grid": "99"}, "grid digits are 1 to 20, got '99'"),
        ({"moment": "abc"}, f"moments of this run are 1 to {COUNT}, got 'abc'"),
        ({"moment": "0", "grid": "-1"}, "grid digits are 1 to 20, got '-1'; moments of this run are 1 to"),
    ],
)
def test_bad_values_in_the_link_are_one_line_and_the_view_stays(ended_run, address, said):
    at = open_run(**address)
    assert not at.exception
    (line,) = [c for c in caption_texts(at) if c.startswith("Part of this link was ignored")]
    assert said in line and "\n" not in line
    assert keyed(at.select_slider, "inside_moment").value == COUNT - 1 and figure(at, "inside_heatmap")


def test_a_run_without_snapshots_says_so_in_one_line_and_shows_its_end(small_model):
    write_finished_run(settings.runs_dir() / RUN_ID, small_model)
    at = open_run(moment="3")
    assert not at.exception
    assert NO_SNAPSHOTS in caption_texts(at)
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-inside_heatmap")]
    assert figure(at, "live_chart")  # its curves, as before
    (line,) = [c for c in caption_texts(at) if c.startswith("Part of this link was ignored")]
    assert "this run keeps no snapshots, got moment='3'" in line


def test_a_training_run_shows_its_latest_snapshot_and_follows_it(run_in_training):
    folder = run_in_training()
    writer = SnapshotWriter(folder.path)
    taken = [make_snapshot(k + 1) for k in range(4)]
    for snapshot in taken:
        writer(snapshot)
    at = page("train")
    at.query_params["run"] = folder.run_id
    at.run()
    assert not at.exception
    assert not [s for s in at.select_slider if s.key == "inside_moment"]  # no replay while it trains
    assert_heatmap_is(figure(at, "inside_heatmap")["data"][0], taken[-1].memory.hidden[0], EIGHT_BITS)
    assert "moment" not in at.query_params
    newer = make_snapshot(5)
    writer(newer)
    writer.close()
    at.run()
    assert_heatmap_is(figure(at, "inside_heatmap")["data"][0], newer.memory.hidden[0], EIGHT_BITS)
    assert any("after 160 images" in shown(m.value) for m in at.markdown)


def test_a_damaged_snapshot_is_one_line_and_the_end_still_shows(ended_run):
    path = settings.runs_dir() / RUN_ID / RECORDS_NAME
    data = bytearray(path.read_bytes())
    data[RECORD_HEAD.size + 10] ^= 0xFF  # a byte of the first record's payload
    path.write_bytes(bytes(data))
    at = open_run()
    assert not at.exception
    (line,) = [shown(w.value) for w in at.warning]
    assert "cannot be played" in line and "record 1 is damaged" in line and "\n" not in line
    fig = figure(at, "inside_heatmap")
    assert "frames" not in fig or not fig["frames"]
    assert_heatmap_is(fig["data"][0], ended_run[-1].memory.hidden[0], FLOAT16)  # the end stands alone
