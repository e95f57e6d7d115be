"""The Evaluate page under AppTest: scores, the confusion matrix's cells and their images, the most confident
mistakes, opening an image on Draw, comparing runs; and the baselines on the other pages."""

import json
import os

import numpy as np
from streamlit.testing.v1 import AppTest

from hrnn import runs, settings
from hrnn.data.splits import to_model_input
from hrnn.nn.model_files import load_model
from hrnn.train.config import TrainConfig
from hrnn.ui.common.run_names import run_label
from tests.support.app import TIMEOUT, page, shown, tiny_run
from tests.support.data import make_mnist
from tests.support.waiting import wait_until


def evaluate(current_model=None):
    at = page("evaluate")
    if current_model is not None:
        at.session_state["current_model"] = current_model
    return at.run()


def gallery_indices(at, name):
    """The test images a gallery shows, from its cards' Draw buttons (`open_draw_<gallery>_<index>`)."""
    prefix = f"open_draw_{name}_"
    return [int(b.key[len(prefix) :]) for b in at.button if b.key and b.key.startswith(prefix)]


def predictions(model_path):
    data = make_mnist()
    probs = load_model(model_path).predict(to_model_input(data.x_test), verbose=0)
    return data.y_test, probs.argmax(axis=1), probs


def chart(at, key):
    """The plotly figure (as JSON) of the chart with `key`."""
    (found,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return json.loads(found.proto.spec)


def test_evaluate_renders_for_the_shipped_model():
    at = evaluate()
    assert not at.exception
    assert at.title[0].value == "Evaluate and compare"
    metrics = {m.label: m.value for m in at.metric}
    labels, predicted, probs = predictions(os.environ["HRNN_PRETRAINED"])
    assert metrics["Test accuracy"] == f"{np.mean(predicted == labels):.2%}"
    assert metrics["Mistakes, of 60"] == f"{int(np.sum(predicted != labels))}"
    (loss,) = [m for m in at.metric if m.label == "Test loss"]
    assert "nats" not in loss.help and "lower is better" in loss.help  # said in plain words
    subheaders = [h.value for h in at.subheader]
    assert "Mistakes per digit" in subheaders and "Accuracy per digit" not in subheaders
    wrong = np.flatnonzero(predicted != labels)
    expected = wrong[np.argsort(-probs.max(axis=1)[wrong], kind="stable")][:24]
    assert gallery_indices(at, "mistakes") == list(expected)


def test_evaluate_renders_for_a_tiny_run_of_each_architecture():
    for arch in ("hrnn", "flat-lstm", "cnn"):
        run_id = f"20250101-000000-{arch}"
        tiny_run(run_id, arch=arch)
        at = evaluate(run_id)
        assert not at.exception, arch
        label = run_label(runs.find_run(run_id))
        assert any(label in shown(c.value) for c in at.caption), (arch, label)
        labels, predicted, _ = predictions(settings.runs_dir() / run_id / runs.MODEL_NAME)
        assert {m.label: m.value for m in at.metric}["Test accuracy"] == f"{np.mean(predicted == labels):.2%}"
        inside_buttons = [b for b in at.button if b.key and b.key.startswith("open_inside_")]
        assert bool(inside_buttons) == (arch == "hrnn"), arch  # Inside only for a model that has its views


def test_the_figure_in_a_runs_name_is_explained_where_it_was_measured_on_fewer_images():
    tiny_run("20250101-000000-all")  # tested on every test image: the same measure as the page's
    tiny_run("20250101-000000-sample", test_limit=20)  # tested on a sample, as the app's runs are
    notes = {}
    for run_id in ("20250101-000000-all", "20250101-000000-sample"):
        at = evaluate(run_id)
        assert not at.exception
        notes[run_id] = [shown(c.value) for c in at.caption if "in this model's name" in c.value]
    assert notes["20250101-000000-all"] == []
    (note,) = notes["20250101-000000-sample"]
    accuracy, _ = runs.find_run("20250101-000000-sample").accuracy
    assert f"The {accuracy:.1%} in this model's name" in note
    assert "on 20 test images" in note and "all 60 test images" in note


def test_selecting_a_confusion_cell_shows_exactly_its_images():
    labels, predicted, _ = predictions(os.environ["HRNN_PRETRAINED"])
    at = evaluate()
    filled = sorted({(int(t), int(p)) for t, p in zip(labels, predicted)})
    empty = [(t, p) for t in range(10) for p in range(10) if (t, p) not in filled]
    for true, pred in filled[:3] + empty[:1]:
        at.selectbox(key="eval_true").set_value(true).run()
        at.selectbox(key="eval_pred").set_value(pred).run()
        assert not at.exception
        expected = np.flatnonzero((labels == true) & (predicted == pred))
        assert sorted(gallery_indices(at, "cell")) == sorted(expected.tolist()), (true, pred)
        frame = chart(at, "confusion")["layout"]["shapes"][0]
        assert (frame["x0"], frame["y1"]) == (pred / 10, 1 - true / 10)  # the picked cell is framed (0 at the top)
        if len(expected) == 0:
            assert any("No test image falls in this cell" in i.value for i in at.info)


def test_another_model_starts_on_its_own_largest_mistake():
    def largest_mistake(model_path):
        labels, predicted, _ = predictions(model_path)
        confusion = np.zeros((10, 10), int)
        np.add.at(confusion, (labels, predicted), 1)
        np.fill_diagonal(confusion, -1)
        return tuple(int(i) for i in np.unravel_index(confusion.argmax(), confusion.shape))

    at = evaluate()
    shipped = largest_mistake(os.environ["HRNN_PRETRAINED"])
    assert (at.session_state["eval_true"], at.session_state["eval_pred"]) == shipped
    run_dir = tiny_run("20250101-000000-other")
    other = largest_mistake(run_dir / runs.MODEL_NAME)
    picked = next((t, p) for t in range(10) for p in range(10) if t != p and (t, p) != other)
    at.selectbox(key="eval_true").set_value(picked[0]).run()
    at.selectbox(key="eval_pred").set_value(picked[1]).run()  # a cell the user picked for the shipped model
    at.session_state["current_model"] = "20250101-000000-other"
    at.run()
    assert not at.exception
    assert (at.session_state["eval_true"], at.session_state["eval_pred"]) == other


def test_a_click_on_a_cell_reads_as_that_cell():
    from hrnn.ui.evaluate.figures import cell_id
    from hrnn.ui.evaluate.page import cell_from_selection

    event = {"selection": {"points": [{"id": cell_id(2, 7), "parent": "row 2", "point_number": 38}]}}
    assert cell_from_selection(event) == (2, 7)
    assert cell_from_selection({"selection": {"points": []}}) is None
    assert cell_from_selection(None) is None


def test_the_confusion_matrix_shows_counts_or_row_shares():
    at = evaluate()
    counts = chart(at, "confusion")["data"][0]["text"]
    at.radio(key="confusion_norm").set_value("share of each row").run()
    shares = chart(at, "confusion")["data"][0]["text"]
    filled = [i for i, count in enumerate(counts) if count]  # empty cells (and the rows' tiles) are blank
    assert filled and all(counts[i].isdigit() and shares[i].endswith("%") for i in filled)


def test_a_gallery_image_becomes_the_current_input_on_draw():
    script = (
        "import streamlit as st\n"
        "from hrnn.ui import pages\n"
        "from hrnn.ui.draw.page import render as draw\n"
        "from hrnn.ui.evaluate.page import render as evaluate\n"
        "pages.navigation({pages.EVALUATE: evaluate, pages.DRAW: draw}).run()\n"
    )
    at = AppTest.from_string(script, default_timeout=TIMEOUT).run()
    assert not at.exception
    index = gallery_indices(at, "mistakes")[0]
    at.button(key=f"open_draw_mistakes_{index}").click().run()
    assert not at.exception
    assert at.title[0].value == "Draw a digit"
    label = int(make_mnist().y_test[index])
    assert at.session_state["input"]["origin"] == f"test image {index} (true label {label})"
    assert at.radio(key="input_source").value == "Test digit"
    assert at.number_input(key="test_index").value == index
    assert at.session_state["current_model"] == "pretrained"  # the same model
    assert at.metric[0].label == "Prediction"


def record(run_id, learning_rate, arch, accuracies):
    """A finished run's record with per-epoch curves, as `train` writes it."""
    epochs = [
        {"epoch": k + 1, "loss": 1.0 / (k + 1), "accuracy": a - 0.01, "val_loss": 1.1 / (k + 1), "val_accuracy": a}
        for k, a in enumerate(accuracies)
    ]
    config = {**TrainConfig().__dict__, "learning_rate": learning_rate, "arch": arch, "epochs": len(epochs)}
    return {
        "run_id": run_id,
        "status": "finished",
        "config": config,
        "data": "synthetic; training on 180 images, validation: 20 held-out training images",
        "history": {"epochs": epochs, "batches": {"step": [], "loss": [], "accuracy": []}},
        "test_accuracy": accuracies[-1],
        "test_images": 60,
        "wall_seconds": 12.5,
        "samples_per_second": 900.0,
        "samples_seen": 180 * len(epochs),
    }


def test_compare_overlays_two_runs_and_lists_only_differing_settings():
    from tests.support.app import save_run

    save_run("20250101-000000-a", record("20250101-000000-a", 1e-3, "hrnn", [0.5, 0.7]))
    save_run("20250101-000000-b", record("20250101-000000-b", 2e-3, "cnn", [0.6, 0.8, 0.9]))
    save_run("20250101-000000-c", record("20250101-000000-c", 1e-3, "hrnn", [0.4]))
    at = evaluate()
    at.radio(key="eval_view").set_value("Compare runs").run()
    at.multiselect(key="compare_runs").set_value(["20250101-000000-a", "20250101-000000-b"]).run()
    assert not at.exception
    traces = chart(at, "compare_chart")["data"]
    names = {t["name"] for t in traces}
    a, b, c = (run_label(runs.find_run(f"20250101-000000-{k}")) for k in "abc")  # named as the model pickers name them
    assert len({a, b, c}) == 3 and {f"{a}: held-out", f"{b}: held-out"} <= names
    assert not any(n.startswith(c) for n in names)
    (settings,) = [d.value for d in at.dataframe if "setting" in d.value.columns]
    assert settings["setting"].tolist() == ["Model", "Epochs", "Learning rate"]  # in the Train page's words
    (results,) = [d.value.set_index("result") for d in at.dataframe if "result" in d.value.columns]
    assert results.loc["Test accuracy"].tolist() == ["70.0%", "90.0%"]  # in words, as percentages
    assert results.loc["Images per second"].tolist() == ["900.0", "900.0"]
    at.radio(key="compare_x").set_value("samples").run()
    held_out = [t for t in chart(at, "compare_chart")["data"] if t["name"] == f"{b}: held-out"]
    assert held_out[0]["x"] == [180, 360, 540] or "bdata" in str(held_out[0]["x"])


def test_compare_needs_two_runs():
    at = evaluate()
    at.radio(key="eval_view").set_value("Compare runs").run()
    assert not at.exception
    assert any("Comparing needs two runs" in i.value for i in at.info)


# --- the baselines on the other pages ------------------------------------------------------------------------------


def test_inside_says_what_applies_to_a_baseline():
    tiny_run("20250101-000000-cnn", arch="cnn")
    at = page("inside")
    at.session_state["current_model"] = "20250101-000000-cnn"
    at.run()
    assert not at.exception
    (info,) = at.info
    assert "only the prediction applies" in info.value and "Draw and Evaluate work for it" in info.value
    assert not at.get("plotly_chart")


def test_draw_reads_one_input_with_two_models_side_by_side():
    tiny_run("20250101-000000-flat", arch="flat-lstm")
    at = page("draw").run()
    at.radio(key="input_source").set_value("Test digit").run()
    at.selectbox(key="compare_model").set_value("20250101-000000-flat").run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Prediction", "Prediction"]  # the same title, side by side
    (names,) = [shown(c.value) for c in at.caption if "read by two models" in c.value]
    assert names.index("on the left") < names.index("hipped") < names.index("on the right") < names.index("flat-lstm")


def test_the_train_page_trains_a_baseline_and_records_its_arch():
    at = page("train").run()
    assert at.selectbox(key="cfg_arch").value == "hrnn"
    at.selectbox(key="cfg_arch").set_value("cnn").run()
    assert at.number_input(key="cfg_row_units").disabled and at.number_input(key="cfg_image_units").disabled
    for key, value in {"cfg_epochs": 1, "cfg_train_size": 180}.items():
        at.session_state[key] = value
    at.run()
    at.button(key="start").click().run()
    run_id = at.query_params["run"]
    assert wait_until(lambda: runs.find_run(run_id).status == "finished")
    at.run()
    assert not at.exception
    assert runs.find_run(run_id).read_record().config.arch == "cnn"
    at.button(key="preset_quick").click().run()  # presets are the HRNN's
    assert at.selectbox(key="cfg_arch").value == "hrnn"


AWAY_AND_BACK = """
import streamlit as st
from hrnn.ui.evaluate import page as evaluate_page

if st.session_state.get("elsewhere"):
    st.write("another page")  # Evaluate's widgets are not drawn: Streamlit forgets their values
else:
    evaluate_page.render()
"""


def test_coming_back_to_evaluate_shows_the_cell_and_shading_left():
    at = AppTest.from_string(AWAY_AND_BACK, default_timeout=TIMEOUT).run()
    assert not at.exception
    at.selectbox(key="eval_true").set_value(4)
    at.selectbox(key="eval_pred").set_value(9)
    at.radio(key="confusion_norm").set_value(at.radio(key="confusion_norm").options[1]).run()
    left = at.query_params["cell"], at.query_params["cells"]
    assert left == ("4,9", "shares") or left == (["4,9"], ["shares"])
    at.session_state["elsewhere"] = True
    at.run()  # Inside, say
    at.session_state["elsewhere"] = False
    at.query_params.clear()  # the sidebar's link to Evaluate has no query
    at.run()
    assert not at.exception
    assert (at.selectbox(key="eval_true").value, at.selectbox(key="eval_pred").value) == (4, 9)
    assert at.radio(key="confusion_norm").value == at.radio(key="confusion_norm").options[1]
    assert at.query_params["cell"] in ("4,9", ["4,9"])  # and the address says so again
