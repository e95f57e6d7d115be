"""Lesson links on Train, Draw and Evaluate (Inside's: test_lesson_link_page.py): each value of the address restores
its choice in a new session, the page writes its choices back, the Train page's teacher mode shows Start and the
result only and trains the link's settings, and a bad or hostile value is one line, ignored."""

import pytest

from hrnn import runs
from tests.support.app import page, shown, tiny_run
from tests.support.data import make_mnist


def _open(name, **params):
    at = page(name)
    for param, value in params.items():
        at.query_params[param] = value
    return at.run()


def _ignored(at):
    """The captions that say a value of the link was ignored, as a reader sees them."""
    return [shown(c.value) for c in at.caption if "link was ignored" in shown(c.value)]


def test_a_train_link_sets_its_preset_and_settings_and_the_address_follows_them():
    link = {"preset": "original", "epochs": "2", "learning_rate": "0.003", "seed": "7", "row_units": "64"}
    at = _open("train", **link)
    assert not at.exception and not _ignored(at)
    assert at.selectbox(key="cfg_optimizer").value == "rmsprop" and at.number_input(key="cfg_batch_size").value == 32
    widgets = {name: at.number_input(key=f"cfg_{name}").value for name in ("epochs", "learning_rate", "seed")}
    assert widgets == {"epochs": 2, "learning_rate": 0.003, "seed": 7}
    assert at.number_input(key="cfg_row_units").value == 64
    assert {name: at.query_params[name] for name in link} == link
    at.number_input(key="cfg_epochs").set_value(3).run()
    assert at.query_params["epochs"] == "3" and at.query_params["seed"] == "7"
    at.button(key="preset_quick").click().run()  # the demo's settings: nothing to name but the seed
    assert dict(at.query_params) == {"seed": "7"}


def test_an_old_train_link_with_col_units_sets_the_image_reader_and_the_address_names_it_anew():
    at = _open("train", col_units="16")
    assert not at.exception and not _ignored(at)
    assert at.number_input(key="cfg_image_units").value == 16
    assert at.query_params["image_units"] == "16" and "col_units" not in at.query_params


def test_teacher_mode_shows_start_only_and_trains_the_links_settings():
    link = {"teacher": "1", "epochs": "1", "row_units": "8", "image_units": "8", "train_size": "96", "seed": "5"}
    at = _open("train", **link)
    assert not at.exception and not _ignored(at)
    assert not [e for e in at.expander if e.label == "Settings"] and not at.dataframe  # no settings, no run lists
    (plan,) = [c.value for c in at.caption if c.value.startswith("Start trains")]
    assert plan.startswith("Start trains a custom HRNN: 1 pass over 96 images") and "Settings" not in plan
    at.button(key="start").click().run()
    assert not at.exception and at.query_params["teacher"] == "1"
    entry = runs.find_run(at.query_params["run"])
    config = entry.folder.read_settings().config
    assert (config.epochs, config.row_units, config.image_units, config.train_size, config.seed) == (1, 8, 8, 96, 5)
    entry.stop(by=runs.STOPPED_BY_SERVER)


@pytest.mark.parametrize(
    "name, link, reason",
    [
        ("train", {"epochs": "9" * 30}, "epochs is 1 to 20 here"),
        ("train", {"optimizer": "**bold** [x](http://evil.example)"}, "optimizer must be one of"),
        ("train", {"run": "../../etc/passwd"}, "there is no run ../../etc/passwd in the runs folder"),
        ("train", {"teacher": "please"}, "teacher must be one of 1, 0"),
        ("draw", {"digit": "1e9"}, "test digits are 0 to 59, got '1e9'"),
        ("evaluate", {"cell": "3,99"}, "digits are 0 to 9, got '99'"),
        ("draw", {"digit": "²"}, "test digits are 0 to 59, got '²'"),  # isdigit, and no int
        ("evaluate", {"cell": "²,1"}, "digits are 0 to 9, got '²'"),
        ("evaluate", {"view": "<script>"}, "view must be compare, got '<script>'"),
        ("evaluate", {"view": "compare", "runs": "/etc/passwd,x"}, "there is no run '…/passwd' to compare here"),
    ],
)
def test_a_bad_value_in_a_link_is_one_line_and_the_page_works(name, link, reason):
    at = _open(name, **link)
    assert not at.exception
    notes = _ignored(at)
    assert len(notes) == 1 and reason in notes[0] and "\n" not in notes[0], notes


def test_a_draw_link_opens_its_test_digit_and_follows_the_one_picked():
    at = _open("draw", digit="7")
    assert not at.exception
    assert at.radio(key="input_source").value == "Test digit" and at.number_input(key="test_index").value == 7
    assert at.session_state["input"]["origin"] == f"test image 7 (true label {int(make_mnist().y_test[7])})"
    at.number_input(key="test_index").set_value(9).run()
    assert at.query_params["digit"] == "9"
    (share,) = [e for e in at.expander if e.label == "Share this view"]
    assert share.code[0].value == "?digit=9"


def test_an_evaluate_link_opens_its_cell_and_its_comparison():
    at = _open("evaluate", cell="3,5", cells="shares")
    assert not at.exception
    assert (at.selectbox(key="eval_true").value, at.selectbox(key="eval_pred").value) == (3, 5)
    assert at.radio(key="confusion_norm").value == "share of each row"
    at.selectbox(key="eval_pred").set_value(6).run()
    assert (at.query_params["cell"], at.query_params["cells"]) == ("3,6", "shares")

    first, second = (tiny_run(run_id).name for run_id in ("20250101-000000-aaaa", "20250101-000000-bbbb"))
    at = _open("evaluate", view="compare", runs=f"{second},{first}", x="samples")
    assert not at.exception and not _ignored(at)
    assert at.multiselect(key="compare_runs").value == [second, first]
    assert at.radio(key="compare_x").value == "samples" and at.query_params["runs"] == f"{second},{first}"
