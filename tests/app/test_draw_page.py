"""The Draw page under AppTest: a drawing read, cleared or unreadable, the test-digit gallery, the verdict on a test
digit, choices that outlive a visit to another page, the model menu on the page; and the "How this works" of the Draw,
Inside and Evaluate pages."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from hrnn import runs
from hrnn.data.splits import to_model_input
from hrnn.nn.model_files import PRETRAINED_PATH, load_model
from hrnn.ui.common.labels import a_digit
from hrnn.ui.common.run_names import run_label
from hrnn.ui.draw import inputs as draw_inputs
from hrnn.ui.draw import page as draw_page
from tests.support.app import TIMEOUT, draw, drawn_bar, page, save_run, shown
from tests.support.data import make_mnist
from tests.support.pictures import UPLOAD_MODES, png_data_url

# Draw and Inside under st.navigation, with one button per page in the sidebar (`go_draw`, `go_inside`) that goes
# there with st.switch_page, as the sidebar's page links do in the browser.
TWO_PAGES = """
import streamlit as st
from hrnn.ui import pages
from hrnn.ui.draw.page import render as draw
from hrnn.ui.inside.page import render as inside
from hrnn.ui.common.run_names import run_label
current = pages.navigation({pages.DRAW: draw, pages.INSIDE: inside})
for name in (pages.DRAW, pages.INSIDE):
    if st.sidebar.button(name, key=f"go_{name}"):
        pages.switch_to(name)
current.run()
"""


def on_test_digits(at):
    """Draw, with its input switched to "Test digit"."""
    at.run()
    at.radio(key="input_source").set_value("Test digit").run()
    assert not at.exception
    return at


def gallery(at):
    """The test images the gallery offers, from its buttons' keys (`pick_test_<index>`)."""
    return [int(b.key.removeprefix("pick_test_")) for b in at.button if b.key and b.key.startswith("pick_test_")]


def test_the_gallery_shows_a_dozen_test_digits_and_one_click_reads_one():
    at = on_test_digits(page("draw"))
    offered = gallery(at)
    assert len(offered) == len(set(offered)) == draw_inputs.GALLERY_SIZE
    assert len(at.get("image")) == draw_inputs.GALLERY_SIZE  # one thumbnail each
    assert at.number_input(key="test_index").value == offered[0]  # what is read at first is one of those shown
    index = offered[5]
    at.button(key=f"pick_test_{index}").click().run()
    assert not at.exception
    label = int(make_mnist().y_test[index])
    assert at.session_state["input"]["origin"] == f"test image {index} (true label {label})"
    assert at.number_input(key="test_index").value == index  # the exact-index box follows the pick
    assert at.button(key=f"pick_test_{index}").proto.type == "primary"  # and the picked thumbnail stands out
    assert at.metric[0].label == "Prediction"
    digit = int(at.metric[0].value)
    verdict = ": right" if digit == label else f": wrong, it is {a_digit(label)}"
    (line,) = [m.value for m in at.markdown if m.value.startswith("The model reads")]  # a phone's first screen
    assert line.startswith(f"The model reads **{digit}** (") and line.endswith(verdict)


def test_shuffle_offers_other_test_digits_and_the_index_box_still_picks_any():
    at = on_test_digits(page("draw"))
    before = gallery(at)
    at.button(key="shuffle_gallery").click().run()
    assert set(gallery(at)) != set(before)  # 12 of 60: the same dozen again is a 1 in 10^11 chance
    at.number_input(key="test_index").set_value(59).run()
    assert "test image 59 " in at.session_state["input"]["origin"]


def shipped_readings():
    """`(labels, predictions)` of the shipped model on the app's (synthetic) test digits."""
    data = make_mnist()
    predicted = load_model(PRETRAINED_PATH).predict(to_model_input(data.x_test), verbose=0).argmax(axis=1)
    return data.y_test, predicted


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
def test_the_verdict_says_right_or_wrong_with_the_true_label(monkeypatch, right):
    monkeypatch.setenv("HRNN_PRETRAINED", str(PRETRAINED_PATH))
    labels, predicted = shipped_readings()
    index = int(np.flatnonzero((predicted == labels) == right)[0])
    at = on_test_digits(page("draw"))
    at.number_input(key="test_index").set_value(index).run()
    assert not at.exception
    label, read = int(labels[index]), int(predicted[index])
    assert at.metric[0].value == str(read)
    if right:
        assert [s.value for s in at.success] == [f"Right: it is {a_digit(label)}"] and not at.error
    else:
        assert [e.value for e in at.error] == [f"Wrong: it is {a_digit(label)}, read as {read}"] and not at.success


def test_a_drawing_gets_no_verdict():
    at = draw(page("draw"), drawn_bar()).run()
    assert at.metric[0].label == "Prediction"
    assert not at.success and not at.error  # nobody knows what a drawing "really" is


def test_clear_gives_an_empty_canvas_and_the_prompt_again():
    at = draw(page("draw"), drawn_bar()).run()
    assert at.metric and at.session_state[draw_inputs.canvas_key(0)] == {"drawing": png_data_url(drawn_bar())}
    at.button(key="clear_canvas").click().run()
    assert not at.exception
    assert not at.metric
    assert [i.value for i in at.info] == [draw_page.PROMPTS["Draw"]]
    assert at.session_state[draw_inputs.canvas_key(1)] == {}  # a new canvas, nothing drawn on it


@pytest.mark.parametrize(
    "sent",
    ["data:text/html;base64,PHNjcmlwdD4=", "data:image/png;base64,iVBORw0KGgo=", 42, "data:image/png;base64,%%%"],
    ids=["not a PNG URL", "not a PNG", "not text", "not base64"],
)
def test_a_drawing_that_cannot_be_read_gives_one_line_and_the_page_stays_usable(sent):
    at = page("draw")
    at.session_state[draw_inputs.canvas_key(0)] = {"drawing": sent}
    at.run()
    assert not at.exception and not at.metric
    (error,) = [e.value for e in at.error]
    assert error.startswith("The canvas sent a drawing that cannot be read (") and "\n" not in error
    at.button(key="clear_canvas").click().run()
    assert not at.exception and not at.error


def test_the_chosen_test_digit_survives_a_visit_to_another_page():
    at = on_test_digits(AppTest.from_string(TWO_PAGES, default_timeout=TIMEOUT))
    index = gallery(at)[3]
    at.button(key=f"pick_test_{index}").click().run()
    origin = at.session_state["input"]["origin"]

    at.button(key="go_inside").click().run()
    assert not at.exception
    assert at.title[0].value == "Inside the network"
    assert "test_index" not in at.session_state and "input_source" not in at.session_state  # Streamlit forgot them

    at.button(key="go_draw").click().run()
    assert not at.exception
    assert at.title[0].value == "Draw a digit"
    assert at.radio(key="input_source").value == "Test digit"
    assert at.number_input(key="test_index").value == index
    assert at.session_state["input"]["origin"] == origin
    assert index in gallery(at)  # the same dozen on offer


def test_a_test_image_opened_from_another_page_is_shown_and_kept():
    at = page("draw")
    at.session_state[draw_page.OPEN_TEST_IMAGE] = 17
    at.run()
    assert at.radio(key="input_source").value == "Test digit"
    assert at.number_input(key="test_index").value == 17
    assert at.session_state["input"]["origin"].startswith("test image 17 ")
    assert draw_page.OPEN_TEST_IMAGE not in at.session_state  # shown once: the page's own choices take over


def test_the_model_menu_on_the_page_names_the_model_and_changes_it_everywhere():
    from hrnn.nn.model_files import load_pretrained

    run_id = "20250101-000000-menu"
    record = {"status": "finished", "config": {"epochs": 1, "row_units": 8, "image_units": 8}, "history": {}}
    save_run(run_id, record, load_pretrained())
    at = on_test_digits(page("draw"))
    assert at.get_by_key("model_menu").proto.popover.label == "Model: Shipped pretrained model"
    at.selectbox(key="model_choice_page").set_value(run_id).run()
    assert not at.exception
    assert at.session_state["current_model"] == run_id
    assert at.sidebar.selectbox(key="model_choice").value == run_id  # the sidebar's picker agrees
    label = run_label(runs.find_run(run_id))
    assert shown(at.get_by_key("model_menu").proto.popover.label) == f"Model: {label}"
    assert any(f"model: {label}" in shown(c.value) for c in at.caption)


@pytest.mark.parametrize("name", ["draw", "inside", "evaluate"])
def test_the_address_names_the_model_so_a_new_tab_opens_the_same_one(name):
    from hrnn.nn.model_files import load_pretrained

    run_id = "20250101-000000-link"
    record = {"status": "finished", "config": {"epochs": 1, "row_units": 8, "image_units": 8}, "history": {}}
    save_run(run_id, record, load_pretrained())
    chooser = page(name).run()
    assert "model" not in chooser.query_params  # the shipped model needs no name
    chooser.sidebar.selectbox(key="model_choice").set_value(run_id).run()
    assert not chooser.exception and chooser.query_params["model"] == run_id

    opened = page(name)  # a new session (another tab, a phone) on that address
    opened.query_params["model"] = run_id
    opened.run()
    assert not opened.exception
    assert opened.sidebar.selectbox(key="model_choice").value == run_id


@pytest.mark.parametrize("named", ["20990101-000000-none", "../../etc/passwd", "[x](http://example.com)"])
def test_an_address_naming_no_model_here_opens_the_shipped_one(named):
    at = page("draw")
    at.query_params["model"] = named
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="model_choice").value == "pretrained" and "model" not in at.query_params
    (note,) = [c.value for c in at.sidebar.caption if c.value.startswith("The address names no model")]
    assert shown(note) == f"The address names no model of this server ({named}): here is the shipped one."


@pytest.mark.parametrize(
    "name, key, words",
    [
        ("train", "train_how", ("row reader", "image reader", "classifier", "original Keras example")),
        ("draw", "draw_how", ("row reader", "image reader", "classifier", "original Keras example")),
        ("inside", "inside_how", ("image reader", "classifier", "row reader")),
        ("evaluate", "evaluate_how", ("test digits", "confusion matrix", "original Keras example")),
    ],
)
def test_how_this_works_is_folded_at_the_top_of_the_page_and_opens(name, key, words):
    at = page(name).run()
    assert not at.exception
    how = at.expander(key)
    assert how.label == "How this works" and not how.proto.expanded and not how.markdown  # folded and empty
    at.session_state[key] = True  # opened, as a click does
    at.run()
    how = at.expander(key)
    assert not at.exception and how.proto.expanded
    text = " ".join(m.value for m in how.markdown)
    assert all(word in text for word in words), text
    for jargon in ("seed's", "Row units", "Column units", "encoder"):
        assert jargon not in text


def test_a_teacher_links_how_this_works_says_nothing_of_the_settings_it_hides():
    at = page("train")
    at.query_params["teacher"] = "1"
    at.session_state["train_how"] = True
    at.run()
    text = " ".join(m.value for m in at.expander("train_how").markdown)
    assert "row reader" in text and "32 by default" in text
    assert "setting" not in text and "Quick demo" not in text
    assert not [e for e in at.expander if e.label == "Settings"]


def test_the_sidebar_says_what_the_chosen_model_was_trained_on():
    import os
    import shutil

    from hrnn.nn.model_files import PRETRAINED_PATH, load_pretrained

    shipped = Path(os.environ["HRNN_PRETRAINED"])  # the tests' small model, given the shipped model's record
    shutil.copyfile(PRETRAINED_PATH.with_suffix(".json"), shipped.with_suffix(".json"))
    at = page("draw").run()
    assert not at.exception
    assert "Trained on 55,000 training digits of full MNIST." in [shown(c.value) for c in at.sidebar.caption]
    run_id = "20250101-000000-data"
    data = "offline MNIST sample (x.csv.gz): 5,000 training and 1,000 test images; training on 4,500 images, ..."
    config = {"epochs": 1, "row_units": 8, "image_units": 8}
    record = {"status": "finished", "config": config, "data": data, "train_images": 4500}
    save_run(run_id, record, load_pretrained())
    at.run()  # the picker lists the new run
    at.sidebar.selectbox(key="model_choice").set_value(run_id).run()
    assert not at.exception
    assert "Trained on 4,500 training digits of the offline sample." in [shown(c.value) for c in at.sidebar.caption]


@pytest.mark.parametrize("mode", ["png-16-bit", "tiff-16-bit", "tiff-float-any"])  # each named .png by its sender
def test_an_upload_of_16_bit_or_float_pixels_is_previewed_and_read(monkeypatch, mode):
    (encode,) = [case.values[0] for case in UPLOAD_MODES if case.id == mode]
    gray = 255 - drawn_bar()[..., 3]  # a dark bar on white paper, (280, 280) uint8
    monkeypatch.setattr("hrnn.ui.draw.inputs.read_upload", lambda: ("digit.png", encode(gray)))
    at = page("draw").run()
    at.radio(key="input_source").set_value("Upload").run()
    assert not at.exception, at.exception
    assert not at.error and at.metric[0].label == "Prediction"
    assert at.session_state["input"]["origin"] == "upload digit.png"
