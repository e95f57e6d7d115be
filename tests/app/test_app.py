"""Every page runs under Streamlit's AppTest: training (in real worker processes), re-attaching, stopping, the queue,
drawing, picking, uploading, looking inside, and damaged runs in the runs folder."""

import io
import os
import re
import time
from collections import Counter

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from hrnn import runs, settings
from hrnn.data.mnist import load_mnist
from hrnn.data.preprocess import canvas_to_mnist, image_to_mnist, upload_picture
from hrnn.nn.model_files import load_model
from hrnn.nn.probe import predict_one, probe
from hrnn.runs.store.progress_log import ProgressLogReader
from hrnn.ui.common.run_names import started_text
from hrnn.ui.common.verdict import reading_verdict
from hrnn.ui.inside import reading as inside_reading
from hrnn.ui.inside.figures import CURSOR_COLOR
from hrnn.ui.inside.narration import describe_row
from hrnn.words import outcome_words
from tests.assets.make_small_model import ASSET
from tests.support.app import (
    TIMEOUT,
    draw,
    drawn_bar,
    page,
    row_slider,
    save_run,
    set_small_config,
    shown,
    shown_test_image,
)
from tests.support.data import REPO
from tests.support.figures import chart, plotly_array
from tests.support.waiting import wait_until


def test_app_starts_on_the_train_page():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Train the hierarchical RNN"
    assert any(c.value == "Data: MNIST: 200 training and 60 test digits" for c in at.caption)


def _start(at, epochs=1):
    """Start a small run from the Train page `at`; returns its run id (the page names it in its URL)."""
    set_small_config(at, epochs)
    at.run()
    at.button(key="start").click().run()
    assert not at.exception
    return at.query_params["run"]


def _settings(at):
    (settings,) = [e for e in at.expander if e.label == "Settings"]
    return settings


def _status(run_id):
    return runs.find_run(run_id).status


def _batches(run_id):
    return ProgressLogReader(runs.find_run(run_id).folder.progress_path).snapshot().samples_seen


def test_a_finished_run_shows_its_curves_grid_and_verdict_and_opens_on_draw():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    assert not _settings(at).proto.expanded  # folded under Start: the defaults are the quick demo
    run_id = _start(at)
    assert at.button(key="start").disabled and not at.button(key="stop").disabled
    assert not _settings(at).proto.expanded  # still folded while it trains: the chart comes first
    assert wait_until(lambda: _status(run_id) == "finished")
    at.run()
    assert not at.exception
    charts = [c.proto.id.rsplit("-", 1)[1] for c in at.get("plotly_chart")]
    # Its curves once (the saved runs' chart does not draw them again below), its inside and the watched digit's
    # probabilities (tests/app/test_train_inside.py).
    assert charts == ["live_chart", "inside_heatmap", "inside_probs"]
    assert any(c.value == "Its curves are the ones above." for c in at.caption)
    assert any("finished after 1 epoch" in s.value for s in at.success)
    record = runs.find_run(run_id).read_record()
    assert len(record.history.batches.loss) == 6
    # The label promised what the run trained on: all 180 images left after validation.
    assert at.number_input(key="cfg_train_size").label == "Training images (of 180)"
    assert "training on 180 images" in record.data
    assert at.get("image"), "no digit grid drawn"
    assert any(re.match(r"It reads \d+ of 20 right after 180 images", c.value) for c in at.caption)
    (headline,) = [m.value for m in at.markdown if m.value.startswith("### Your model reads")]
    assert (
        f"of 60 test digits right ({record.test_accuracy:.1%}: only 60 digits, a rough figure)" in headline
        and "the shipped model reads" in headline
    )
    # The saved-runs table: a readable name, percentages, dashes for what is not there, never "None".
    table = at.dataframe[0].value
    row = table.set_index("id").loc[run_id]
    assert row["run"] == f"custom HRNN, 1 of 1 epoch, {record.test_accuracy:.1%} test"
    assert row["status"] == "finished" and row["model"] == "saved"
    assert row["test acc"] == f"{record.test_accuracy:.1%}" and row["val acc"].endswith("%")
    assert not table.isna().any().any() and "None" not in table.astype(str).to_numpy()
    at.button(key="try_on_draw").click().run()
    assert not at.exception
    assert at.title[0].value == "Draw a digit"
    assert at.session_state["current_model"] == run_id
    assert at.sidebar.selectbox(key="model_choice").value == run_id


def test_more_runs_than_slots_are_shown_queued_and_then_train(monkeypatch):
    monkeypatch.setenv("HRNN_MAX_RUNS", "1")
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "200")  # the first run is still training when the second starts
    first, second = page("train").run(), page("train").run()
    first_id = _start(first, epochs=200)
    assert wait_until(lambda: _status(first_id) == "running")
    second_id = _start(second)
    assert wait_until(lambda: runs.find_run(second_id).queue_position == 1, 60)
    second.run()
    assert not second.exception
    assert "Queued, 1st in line" in second.get("progress")[0].proto.text
    assert second.button(key="start").disabled and not second.button(key="stop").disabled
    third = page("train").run()
    third_id = _start(third)  # after the second: it waits behind it
    assert wait_until(lambda: runs.find_run(third_id).queue_position == 2, 60)
    assert runs.find_run(second_id).queue_position == 1
    first.run()  # the first page lists the queued runs, each with a button to watch it
    assert first.button(key=f"watch_{second_id}") and first.button(key=f"watch_{third_id}")
    third.button(key="stop").click().run()  # a queued run asked to stop never starts
    assert wait_until(lambda: _status(third_id) == "stopped", 60)
    third_run = runs.find_run(third_id)
    assert outcome_words(third_run.read_record()) == "stopped before it started" and not third_run.has_model
    assert runs.find_run(second_id).queue_position == 1 and _status(second_id) == "queued"
    first.button(key="stop").click().run()
    assert wait_until(lambda: _status(second_id) == "finished")
    second.run()
    assert any("finished after 1 epoch" in s.value for s in second.success)
    first_record, second_record = (runs.find_run(r).read_record() for r in (first_id, second_id))
    assert second_record.started > first_record.finished  # it trained once the first had ended


def test_a_queued_run_with_a_slot_free_reads_as_starting_not_queued(monkeypatch):
    """A worker takes its slot once it is ready (a spare still tracing, a fresh one importing TensorFlow): till
    then the run is queued on disk, but with nothing training it is not waiting for anyone."""
    from types import SimpleNamespace

    from hrnn.ui.train import status_text as train_page

    monkeypatch.setenv("HRNN_MAX_RUNS", "1")
    asked = time.time() - 12.4  # twelve seconds ago: the text counts them, so that a slow start still moves
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(asked)) + f".{int(asked % 1 * 1000):03d}Z"
    queued = SimpleNamespace(queue_position=1, summary=SimpleNamespace(created=created))
    training = SimpleNamespace(live=True, status="running")
    monkeypatch.setattr(train_page.runs, "list_runs", lambda root: [])
    assert re.match(r"Starting \(1[23] s\): the worker is loading TensorFlow", train_page.queued_text(queued))
    monkeypatch.setattr(train_page.runs, "list_runs", lambda root: [training])
    monkeypatch.setattr(train_page.queue_wait, "wait_estimate", lambda *args: None)  # tests/app/test_crowded.py
    assert train_page.queued_text(queued).startswith("Queued, 1st in line")


def test_original_preset_fills_in_the_original_examples_settings():
    at = page("train").run()
    at.button(key="preset_original").click().run()
    assert at.number_input(key="cfg_epochs").value == 5
    assert at.number_input(key="cfg_row_units").value == 128
    assert at.number_input(key="cfg_train_size").value == 180  # all the (synthetic) images not held out


def test_fast_preset_fills_in_its_settings_and_says_what_start_trains():
    from hrnn.train.config import FAST

    at = page("train").run()
    at.button(key="preset_fast").click().run()
    assert at.number_input(key="cfg_batch_size").value == FAST.batch_size
    assert at.number_input(key="cfg_row_units").value == FAST.row_units
    assert at.number_input(key="cfg_epochs").value == 20  # 180 images: as many passes as allowed, not one
    assert at.number_input(key="cfg_train_size").value == 180  # all the (synthetic) images not held out
    (plan,) = [c.value for c in at.caption if c.value.startswith("Start trains the fast preset, an HRNN")]
    assert "20 passes over 180 images" in plan and "98%" not in plan.replace("not 98%", "")
    # Its label promises no 98% here: that figure is full MNIST's.
    assert at.button(key="preset_fast").label == "Fast: 20 passes over 180 digits"


@pytest.mark.parametrize(
    "n_train, label, passes",
    [(55_000, "98% in about a minute (2 idle cores)", 1), (4_500, "Fast: 12 passes over 4,500 digits", 12)],
    ids=["full MNIST", "the offline sample"],
)
def test_the_fast_preset_promises_only_what_was_measured_on_data_of_this_size(n_train, label, passes):
    from hrnn.train.config import fast_config
    from hrnn.ui.train.settings import fast_preset_words, will_train

    assert fast_preset_words(n_train)[0] == label and fast_config(n_train).epochs == passes
    plan = will_train(fast_config(n_train), n_train, 500)
    assert ("read 98% in about a minute" in plan) == (n_train == 55_000)
    assert ("about 97%, not 98%" in plan) == (n_train == 4_500)


def _assert_reads(at, image):
    """The Draw page `at` read exactly `image` (28 x 28 in [0, 1]) and shows the page's model's reading of it: the
    digit and all ten probabilities."""
    np.testing.assert_allclose(at.session_state["input"]["image"], image, atol=1e-6)
    expected = predict_one(load_model(ASSET), image)
    (metric,) = at.metric
    assert metric.label == "Prediction" and metric.value == str(int(np.argmax(expected)))
    np.testing.assert_allclose(plotly_array(chart(at, "prob_bars")["data"][0]["y"]), expected, atol=1e-5)


def test_a_drawing_is_read_as_drawn():
    at = draw(page("draw"), drawn_bar()).run()
    assert not at.exception
    assert at.session_state["input"]["origin"] == "your drawing"
    _assert_reads(at, canvas_to_mnist(drawn_bar()))


def test_an_empty_canvas_shows_the_prompt():
    at = draw(page("draw"), np.zeros((280, 280, 4), np.uint8)).run()
    assert not at.exception
    assert not at.metric
    assert any("Draw a digit on the canvas" in i.value for i in at.info)


def test_picking_a_test_digit_classifies_it():
    at = page("draw").run()
    at.radio(key="input_source").set_value("Test digit").run()
    at.number_input(key="test_index").set_value(7).run()
    assert not at.exception
    assert "test image 7" in at.session_state["input"]["origin"]
    data = load_mnist("auto")  # the app's data: the synthetic digits app_env wrote
    _assert_reads(at, data.x_test[7] / 255.0)
    digit = int(at.metric[0].value)
    verdict = at.success if digit == data.y_test[7] else at.error
    assert [v.value for v in verdict] == [reading_verdict(int(data.y_test[7]), digit)]


def test_uploading_an_image_classifies_it(monkeypatch):
    buf = io.BytesIO()
    Image.fromarray(drawn_bar()[..., 3]).save(buf, format="PNG")
    monkeypatch.setattr("hrnn.ui.draw.inputs.read_upload", lambda: ("digit.png", buf.getvalue()))
    at = page("draw").run()
    at.radio(key="input_source").set_value("Upload").run()
    assert not at.exception
    assert at.session_state["input"]["origin"] == "upload digit.png"
    _assert_reads(at, image_to_mnist(upload_picture(buf.getvalue())))


def test_a_bad_upload_gives_a_message_and_the_page_stays_usable(monkeypatch):
    monkeypatch.setattr("hrnn.ui.draw.inputs.read_upload", lambda: ("notes.png", b"this is not a picture"))
    at = page("draw").run()
    at.radio(key="input_source").set_value("Upload").run()
    assert not at.exception
    (error,) = at.error
    assert shown(error.value).startswith("notes.png: ") and "not a picture" in error.value
    at.radio(key="input_source").set_value("Test digit").run()
    assert at.metric[0].label == "Prediction"


INSIDE_CHARTS = {
    "inside_sweep",
    "inside_reading",
    "inside_belief",
    "inside_formation",
    "inside_state_map",
    "inside_image_reader",
}


def _cursor_rows(at, key):
    """The rows outlined in the cursor's colour in the chart with `key`."""
    shapes = chart(at, key)["layout"].get("shapes", [])
    return {(s["y0"] + s["y1"]) / 2 for s in shapes if s.get("line", {}).get("color") == CURSOR_COLOR}


def _story(at):
    """The cursor's sentence (the one paragraph in bold)."""
    (story,) = [m.value for m in at.markdown if m.value.startswith("**")]
    return story


def _expected_step_probs(image):
    """What the page should show for `image` under the test's model."""
    return probe(load_model(os.environ["HRNN_PRETRAINED"]), image).step_probs


def test_inside_page_shows_every_view():
    at = page("inside").run()
    assert not at.exception
    assert {chart.proto.id.rsplit("-", 1)[1] for chart in at.get("plotly_chart")} == INSIDE_CHARTS
    state_map = chart(at, "inside_state_map")["data"]
    assert [t["name"] for t in state_map if t.get("showlegend", True)] == [str(d) for d in range(10)]
    (path,) = [t for t in state_map if t["name"] == "this input"]
    assert len(path["x"]) == 28

    def heatmap_caption():
        (caption,) = [c.value for c in at.caption if c.value.startswith("A unit is one of the")]
        return caption

    assert "Order them by *when it reacts* and they go from the top of the digit" in heatmap_caption()  # not yet
    at.selectbox(key="unit_order").set_value("reaction").run()
    assert "Ordered by when they react, as here, the units go from the top of the digit" in heatmap_caption()
    at.radio(key="inside_layer").set_value("row_reader").run()
    assert not at.exception
    assert "inside_row_reader" in {chart.proto.id.rsplit("-", 1)[1] for chart in at.get("plotly_chart")}


def test_the_cursor_moves_the_highlighted_row_and_the_probability_bars():
    at = page("inside").run()
    assert _cursor_rows(at, "inside_reading") == {28}
    row_slider(at).set_value(5).run()
    assert not at.exception
    for key in ("inside_reading", "inside_image_reader"):
        assert _cursor_rows(at, key) == {5}, key
    at.radio(key="inside_layer").set_value("row_reader").run()
    assert _cursor_rows(at, "inside_row_reader") == {5}
    bars = {x: y for trace in chart(at, "inside_belief")["data"] for x, y in zip(trace["x"], trace["y"])}
    image, label = shown_test_image(at)
    expected = _expected_step_probs(image)
    np.testing.assert_allclose([bars[str(d)] for d in range(10)], expected[4], atol=1e-6)  # after row 5
    assert _story(at) == f"**{describe_row(image, expected, 5)}**"
    # Before anything is drawn or picked, the page reads a test digit that the model gets right.
    assert int(np.argmax(expected[-1])) == label
    assert any("gets right only late" in c.value for c in at.caption)  # and says why it shows that digit


def test_play_is_a_sweep_of_every_row_played_by_the_browser():
    """Play is the sweep figure's own button: 28 animation frames, one per row, each with that row's probabilities
    and the rows after it greyed, so a sweep runs no script (it took 19-26 s when each row ran the page again)."""
    at = page("inside").run()
    sweep = chart(at, "inside_sweep")
    image, _ = shown_test_image(at)
    expected = _expected_step_probs(image)
    assert [frame["name"] for frame in sweep["frames"]] == [str(row) for row in range(1, 29)]
    for row, frame in zip(range(1, 29), sweep["frames"]):
        (bars,) = frame["data"]
        np.testing.assert_allclose(bars["y"], expected[row - 1], atol=1e-6)
        (cover,) = frame["layout"]["shapes"]
        assert cover["y0"] == row + 0.5  # the rows after this one are greyed
        assert frame["layout"]["title"]["text"].startswith(f"After row {row}: it thinks ")
    (play,) = sweep["layout"]["updatemenus"][0]["buttons"]
    assert play["method"] == "animate" and play["args"][1]["frame"]["duration"] * 28 <= 3500  # about 3 s
    assert sweep["layout"]["title"]["text"].startswith("After row 28: ")  # before Play: the cursor's row
    row_slider(at).set_value(9).run()  # the sweep shows the cursor's row too; Play still sweeps every row
    moved = chart(at, "inside_sweep")
    assert moved["layout"]["title"]["text"].startswith("After row 9: ") and moved["layout"]["shapes"][0]["y0"] == 9.5
    assert moved["frames"] == sweep["frames"]


def test_cursor_moves_run_no_model(monkeypatch):
    calls = Counter()

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        monkeypatch.setattr(f"hrnn.ui.inside.reading.{name}", wrapper)

    for name in ("probe", "predict_batch", "final_image_states"):
        counted(name, getattr(inside_reading, name))
    at = page("inside").run()
    assert calls == {"probe": 1, "predict_batch": 1, "final_image_states": 1}
    row_slider(at).set_value(3).run()
    row_slider(at).set_value(17).run()
    at.run().run()
    assert not at.exception
    assert calls == {"probe": 1, "predict_batch": 1, "final_image_states": 1}


def test_inside_page_uses_the_current_drawing():
    at = draw(page("draw"), drawn_bar(row=5)).run()
    drawn = at.session_state["input"]["image"]
    inside = page("inside")
    inside.session_state["input"] = {"image": drawn, "origin": "your drawing"}
    inside.run()
    assert not inside.exception
    assert inside.text[0].value.startswith("Input: your drawing.")


def test_an_uploads_name_is_shown_as_plain_text():
    name = "upload **big** [link](http://example.com) <b>x</b>.png"
    inside = page("inside")
    inside.session_state["input"] = {"image": np.zeros((28, 28), np.float32), "origin": name}
    inside.run()
    assert not inside.exception
    assert inside.text[0].value.startswith(f"Input: {name}.")
    assert not any("big" in m.value for m in inside.markdown)


def test_a_broken_model_file_is_reported_not_raised(monkeypatch, tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_text("nope")
    monkeypatch.setenv("HRNN_PRETRAINED", str(bad))
    at = page("draw").run()
    assert not at.exception
    assert any("Cannot use this model" in e.value for e in at.sidebar.error)


def test_missing_data_is_reported_not_raised(monkeypatch, tmp_path):
    monkeypatch.setenv("HRNN_MNIST", str(tmp_path / "absent.npz"))
    at = page("train").run()
    assert not at.exception
    assert "absent.npz: no such file" in shown(at.error[0].value)


# --- bad input: user-supplied strings are text, non-HRNN models are refused, the server's limits hold -------------

MARKDOWN_NAMES = ["![pix](http://127.0.0.1:9/track.png) **bold**.png", "[click](http://evil) x.png"]
TEXT_ELEMENTS = ("markdown", "caption", "error", "warning", "info", "success")


def rendered_markdown(at):
    """Every Markdown source the page renders (main area and sidebar): text elements and alerts."""
    return [element.value for kind in TEXT_ELEMENTS for element in at.get(kind)]


def assert_shown_as_text(at, name):
    """`name` appears in the page as text: rendering the page's Markdown (CommonMark) gives no link and no
    image, no bare URL is left for GitHub-style autolinking, and the reader sees the name's own characters."""
    from markdown_it import MarkdownIt  # installed with Keras (through rich)

    sources = rendered_markdown(at)
    for source in sources:
        html = MarkdownIt("commonmark").render(source)
        assert "<a " not in html and "<img" not in html, source
        assert "http:" not in source and "www." not in source, source
    plain = [element.value for element in at.get("text")]  # st.text: shown verbatim, never parsed
    assert any(name in shown(source) for source in sources) or any(name in text for text in plain), sources


def png_bytes(rgba):
    buf = io.BytesIO()
    Image.fromarray(rgba[..., 3]).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("name", MARKDOWN_NAMES)
@pytest.mark.parametrize(
    "content, element",
    [
        (png_bytes(drawn_bar()), "caption"),
        (b"not a picture", "error"),
        (png_bytes(np.zeros((28, 28, 4), np.uint8)), "warning"),
    ],
    ids=["digit", "not-an-image", "blank"],
)
def test_an_upload_named_in_markdown_is_shown_as_text(monkeypatch, name, content, element):
    monkeypatch.setattr("hrnn.ui.draw.inputs.read_upload", lambda: (name, content))
    at = page("draw").run()
    at.radio(key="input_source").set_value("Upload").run()
    assert not at.exception
    assert any(name in shown(e.value) for e in at.get(element))
    assert_shown_as_text(at, name)
    assert len(at.get("image")) == (0 if element == "error" else 1)  # a picture is previewed as sent


@pytest.mark.parametrize("name", MARKDOWN_NAMES)
def test_an_uploads_markdown_name_is_text_on_the_inside_page(name):
    at = page("inside")
    at.session_state["input"] = {"image": np.zeros((28, 28), np.float32), "origin": f"upload {name}"}
    at.run()
    assert not at.exception
    assert_shown_as_text(at, f"Input: upload {name}")


def test_a_run_record_with_markdown_is_shown_as_text():
    from hrnn.nn.model_files import load_pretrained

    run_id = "[click](https:evil.example) **run**"
    error = "OSError: ![pix](http://127.0.0.1:9/track.png) [click](http://evil)"
    record = {
        "status": "failed",
        "error": error,
        "config": {"epochs": 1, "row_units": 8, "image_units": 8},
        "history": {"epochs": [], "batches": {"step": [], "loss": [], "accuracy": []}},
    }
    save_run(run_id, record, load_pretrained())
    train = page("train").run()
    assert not train.exception
    assert train.selectbox(key=f"saved_run_choice_{run_id}").value == run_id
    assert_shown_as_text(train, f"This run failed: {error}")
    draw = page("draw").run()
    draw.radio(key="input_source").set_value("Test digit").run()
    draw.selectbox(key="model_choice").set_value(run_id).run()
    assert not draw.exception
    assert draw.metric[0].label == "Prediction"
    assert_shown_as_text(draw, f"model: custom HRNN, failed ({run_id})")


@pytest.mark.parametrize("name", ["train", "draw", "inside", "app"])
def test_damaged_records_beside_good_runs_break_no_page(name):
    from hrnn.nn.model_files import load_pretrained

    model = load_pretrained()
    good = {"status": "finished", "config": {"epochs": 1, "row_units": 8, "image_units": 8}, "test_accuracy": 0.9}
    save_run("20250101-000000-good", good, model)
    save_run("20250102-000000-list", {**good, "status": ["running"]}, model)
    save_run("20250103-000000-conf", {**good, "config": "abc"}, model)
    save_run("20250104-000000-half", good, model).joinpath("record.json").write_text('{"status": "fini')
    at = (AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT) if name == "app" else page(name)).run()
    assert not at.exception
    if name in ("train", "app"):
        rows = {r["id"]: r["status"] for r in at.dataframe[0].value.to_dict("records")}
        assert rows["20250101-000000-good"] == "finished"
        assert rows["20250102-000000-list"] == "unreadable: record.json: status: expected a string, got ['running']"
        assert rows["20250103-000000-conf"] == "unreadable: record.json: config: expected an object or null, got 'abc'"
        assert rows["20250104-000000-half"].startswith("unreadable: record.json is not valid JSON")
        curves = at.selectbox(key="saved_run_choice_20250101-000000-good")
        assert curves.value == "20250101-000000-good" and len(curves.options) == 1
    else:
        assert at.sidebar.selectbox(key="model_choice").options == [
            "Shipped pretrained model",
            f"custom HRNN, 90.0% test ({started_text('20250101-000000-good')})",
        ]


def non_hrnn(classes):
    import keras

    return keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(classes, activation="softmax")]
    )


@pytest.mark.parametrize("classes, problem", [(5, "it gives 5 classes, expected 10"), (10, "it is named 'sequential")])
@pytest.mark.parametrize("name", ["draw", "inside"])
def test_a_run_whose_model_is_of_no_known_architecture_gives_one_line_and_the_page_stays_usable(classes, problem, name):
    run_id = f"20250101-000000-d{classes}"
    save_run(run_id, {"status": "finished", "config": {}, "history": {}}, non_hrnn(classes))
    at = page(name).run()
    if name == "draw":
        at.radio(key="input_source").set_value("Test digit").run()
    at.selectbox(key="model_choice").set_value(run_id).run()
    assert not at.exception
    (error,) = at.sidebar.error
    known = "not a known architecture (hrnn, flat-lstm, cnn)"
    assert shown(error.value).startswith(f"Cannot use this model: …/model.keras: {known}: {problem}")
    assert str(settings.runs_dir()) not in shown(error.value)  # no server path for visitors
    assert not at.get("plotly_chart") and any("Pick a model" in w.value for w in at.warning)
    at.selectbox(key="model_choice").set_value("pretrained").run()  # the page still works with a good model
    assert not at.exception and not at.sidebar.error and at.get("plotly_chart")


def test_the_server_limits_bound_the_settings(monkeypatch):
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "4")
    monkeypatch.setenv("HRNN_MAX_UNITS", "64")
    at = page("train").run()
    at.button(key="preset_original").click().run()  # the original's 5 epochs and 128 units, clamped to the limits
    assert not at.exception
    assert at.number_input(key="cfg_epochs").value == 4 and at.number_input(key="cfg_epochs").max == 4
    assert at.number_input(key="cfg_row_units").value == 64 and at.number_input(key="cfg_image_units").max == 64
    # Said in words, under the fields and in each field's help: a browser only outlines a number above its maximum.
    assert "This server trains at most 4 epochs, with at most 64 units in each reader." in [c.value for c in at.caption]
    assert at.number_input(key="cfg_epochs").help.endswith("Here: 1 to 4.")


def test_a_bad_limit_in_the_environment_is_one_line(monkeypatch):
    monkeypatch.setenv("HRNN_MAX_EPOCHS", "lots")
    at = page("train").run()
    assert not at.exception
    assert (
        shown(at.error[0].value)
        == "This server's limits are set wrongly: HRNN_MAX_EPOCHS must be a whole number from 1 to 1,000, got 'lots'"
    )


def test_start_is_refused_when_the_runs_folder_is_over_its_disk_cap(monkeypatch):
    folder = save_run("20250101-000000-big", {"status": "finished"})
    (folder / "model.keras").write_bytes(bytes(2_000_000))
    monkeypatch.setenv("HRNN_RUNS_DISK_MB", "1")
    at = page("train").run()
    set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    assert not at.exception
    assert "run" not in at.query_params
    assert shown(at.error[0].value) == (
        "the runs folder holds 2.0 MB, over its 1 MB cap (HRNN_RUNS_DISK_MB): "
        "delete old runs in …/runs or raise the cap"
    )  # the folder by its last name only: visitors see no server path


def test_start_is_refused_when_the_run_would_not_fit_in_memory(monkeypatch):
    monkeypatch.setattr("hrnn.train.limits.available_memory_bytes", lambda: 10_000_000)
    at = page("train").run()
    set_small_config(at)
    at.run()
    at.button(key="start").click().run()
    assert not at.exception and "run" not in at.query_params
    assert "would need about" in shown(at.error[0].value) and "this machine has 10 MB free" in shown(at.error[0].value)


def test_the_train_page_explains_itself_and_names_its_data_in_words():
    at = page("train").run()
    assert not at.exception
    assert [e.label for e in at.expander] == ["How this works", "Settings", "Share this view"]  # folded: Start first
    (data,) = [c for c in at.caption if c.value.startswith("Data: ")]
    assert "training and" in data.value and "/" not in data.value  # in words; the file's name is in its tooltip
    assert "…/mnist.npz" in shown(data.proto.help) and str(settings.runs_dir().parent) not in shown(data.proto.help)
    (plan,) = [c for c in at.caption if c.value.startswith("Start trains ")]
    assert plan.value.startswith("Start trains the quick demo, an HRNN: ")  # passes: as the data allow
    assert "more held out to check it" in plan.value


def test_a_run_that_trained_nothing_is_marked_and_the_newest_run_is_shown():
    from hrnn.nn.model_files import load_pretrained

    save_run("20250101-000000-empt", {"status": "stopped", "config": {"epochs": 1}})
    finished = {
        "status": "finished",
        "config": {"epochs": 1},
        "history": {"epochs": [{"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_accuracy": 0.85}]},
    }
    save_run("20250102-000000-good", finished, load_pretrained())
    at = page("train").run()
    assert not at.exception
    rows = {r["id"]: r for r in at.dataframe[0].value.to_dict("records")}
    assert rows["20250101-000000-empt"]["status"] == "stopped (nothing trained)"
    assert rows["20250101-000000-empt"]["val acc"] == "-" and rows["20250101-000000-empt"]["model"] == "-"
    assert rows["20250102-000000-good"]["val acc"] == "85.0%" and rows["20250102-000000-good"]["test acc"] == "-"
    assert at.selectbox(key="saved_run_choice_20250102-000000-good").value == "20250102-000000-good"


def test_runs_that_trained_nothing_are_not_offered_for_their_curves():
    """A queued run cancelled by someone else, newer than every run that trained, is not the curves' default (its
    chart would be empty), nor offered at all."""
    from hrnn.nn.model_files import load_pretrained

    finished = {
        "status": "finished",
        "config": {"epochs": 1},
        "history": {"epochs": [{"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_accuracy": 0.85}]},
    }
    save_run("20250101-000000-good", finished, load_pretrained())
    save_run("20250102-000000-canc", {"status": "stopped", "config": {"epochs": 1}, "message": "stopped before it"})
    at = page("train").run()
    assert not at.exception
    (curves,) = [s for s in at.selectbox if s.key.startswith("saved_run_choice_")]
    assert curves.options == [curves.format_func("20250101-000000-good")] and curves.value == "20250101-000000-good"


def test_a_watched_run_whose_worker_stopped_responding_says_so_and_can_be_stopped():
    import fcntl
    import socket

    from hrnn.runs.launch.launcher import create_run
    from hrnn.train.config import TrainConfig
    from hrnn.ui.common import ownership

    key = "k" * 32  # this browser's: it started the run, so Stop is its own
    config = TrainConfig(epochs=1, row_units=8, image_units=8).check()
    folder = create_run(config, "sample", run_dir=settings.runs_dir() / "20260101-000000-hung", owner=key)
    record = folder.read_record()
    record.status = "running"
    folder.write_record(record)
    # Its worker holds the run's lock (this test does, for it) but last beat 100 s ago: paused, or stuck. The
    # heartbeat names no process that holds the lock, so Stop signals nothing here (tests/runs/test_liveness.py).
    beat = {"token": record.token, "pid": 0, "host": socket.gethostname(), "time": time.time() - 100}
    runs.atomic_write_json(folder.file(runs.HEARTBEAT_NAME), beat)
    lock = os.open(folder.file(runs.LOCK_NAME), os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        at = page("train")
        at.query_params["run"] = record.run_id
        at.session_state[ownership.KEY] = key
        at.run()
        assert not at.exception
        text = at.get("progress")[0].proto.text
        assert re.match(r"Not responding: its worker has not reported for 1\d\d s \(paused or stuck\)", text), text
        assert text.endswith("Stop ends it.")
        assert at.button(key="start").disabled and not at.button(key="stop").disabled
        at.button(key="stop").click().run()
        assert not at.exception and folder.stop_requested
        assert at.get("progress")[0].proto.text.endswith("Stop again to end it at once.")
    finally:
        os.close(lock)


@pytest.mark.parametrize(
    "name, value",
    [("HRNN_MAX_RUNS", "abc"), ("HRNN_MAX_RUNS", "²"), ("HRNN_WORKER_NICE", "20"), ("HRNN_MAX_EPOCHS", "9" * 30)],
)
def test_a_bad_hrnn_variable_is_one_line_and_every_page_renders(monkeypatch, name, value):
    monkeypatch.delenv("HRNN_NO_WARMUP")  # the warm spare on, as by default
    monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith(f"This server's limits are set wrongly: {name} must be ") and "\n" not in error, error
    for other in ("draw", "inside", "evaluate"):
        assert not page(other).run().exception, other
