"""Evaluate page: where a model fails, on the whole test set (accuracy and loss, accuracy per digit, the confusion
matrix and the images behind any cell, the most confident mistakes; any image opens on Draw or Inside), and
Compare runs (`hrnn.ui.evaluate.compare_view`). The page's address holds the view and what it shows (its `link`)."""

import numpy as np
import streamlit as st

from hrnn import runs
from hrnn.nn.architectures import model_architecture
from hrnn.runs import compare
from hrnn.ui import pages
from hrnn.ui.common.digit_grid import thumbnail
from hrnn.ui.common.downloads import choice_downloads
from hrnn.ui.common.explainers import EVALUATE, explain
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.labels import ARCH_LABELS, a_digit, percent
from hrnn.ui.common.lesson_link import say_ignored, share_box
from hrnn.ui.common.model_picker import model_menu, pick_model_choice
from hrnn.ui.common.resources import mnist_or_error, model_choices, runs_dir
from hrnn.ui.common.scores import test_scores
from hrnn.ui.common.session import OPEN_TEST_IMAGE, keep_across_pages, set_current_input, set_current_model, test_image
from hrnn.ui.common.text import as_text
from hrnn.ui.evaluate import link as evaluate_link
from hrnn.ui.evaluate.compare_view import RUNS_KEY, X_AXES, X_KEY, compare_view
from hrnn.ui.evaluate.figures import cell_of_id, confusion_figure, per_class_figure

VIEWS = ("This model on the test set", "Compare runs")
COUNTS, SHARES = "counts", "share of each row"
CELL_MODEL = "eval_cell_model"  # session key: the model file whose confusion cell is selected
CELL_SHOWN = 48  # images shown for one confusion-matrix cell (the diagonal's cells hold about a thousand)
THUMB_SCALE = 3  # gallery digits are drawn 84 x 84
CARD_WIDTH = 170  # one gallery card, pixels: the digit, its caption and its buttons (two cards across a phone)


def cell_from_selection(event):
    """The `(true, predicted)` cell of a click on the confusion matrix (`st.plotly_chart`'s selection state), or
    None when nothing is selected. The clicked tile is a point whose `id` names its cell (see `confusion_figure`)."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in reversed(points):
        cell = cell_of_id(point.get("id"))
        if cell is not None:
            return cell
    return None


def _on_cell_click():
    cell = cell_from_selection(st.session_state.get("confusion"))
    if cell is not None:
        st.session_state["eval_true"], st.session_state["eval_pred"] = cell


def _open(index, data, choice, target):
    """Make test image `index` the session's input and `choice` its model, and go to `target` ("draw"/"inside")."""
    image, origin, _ = test_image(data, index)
    set_current_input(image, origin)
    set_current_model(choice.key)
    if target == "draw":
        st.session_state[OPEN_TEST_IMAGE] = int(index)
        pages.switch_to(pages.DRAW)
    pages.switch_to(pages.INSIDE)


def _gallery(name, indices, scores, data, choice, inside):
    """Cards of test images, each with its true digit, the model's three most probable digits and one-click buttons
    that open it on Draw (and Inside, for a model that has its views). Button keys: `open_draw_<name>_<index>`."""
    with st.container(horizontal=True, gap="small", key=f"gallery_{name}"):
        for index in indices:
            index = int(index)
            with st.container(width=CARD_WIDTH, border=True, gap="small"):
                st.image(thumbnail(data.x_test[index], THUMB_SCALE), width="stretch")
                top = "  \n".join(f"{d}: {percent(p)}" for d, p in scores.top(index))
                st.caption(f"**#{index}**, {a_digit(int(data.y_test[index]))}, read as  \n{top}")
                with st.container(horizontal=True, gap="small"):
                    if st.button(
                        "Draw",
                        key=f"open_draw_{name}_{index}",
                        icon=":material/draw:",
                        help="Open it on Draw",
                        type="tertiary",
                    ):
                        _open(index, data, choice, "draw")
                    if inside and st.button(
                        "Inside",
                        key=f"open_inside_{name}_{index}",
                        icon=":material/visibility:",
                        help="Open it on Inside the network",
                        type="tertiary",
                    ):
                        _open(index, data, choice, "inside")


def _scores(choice, model, data, bar):
    """The model's scores on the test set, with a progress bar in placeholder `bar` while they are computed."""

    def on_progress(done, total):
        bar.progress(done / max(total, 1), text=f"Scoring the model on the {total:,} test images: {done:,} done...")

    try:
        scores = test_scores(choice, model, data, on_progress)
    except OSError as exc:  # the model file went away (a run folder deleted) after it was loaded
        bar.empty()
        st.error(f"Cannot score this model: {as_text(choice.path)}: {as_text(exc.strerror or exc)}")
        return None
    return scores


def _confusion(scores, data, choice, inside):
    evaluation = scores.evaluation
    confusion = np.asarray(evaluation.confusion)
    st.subheader("Confusion matrix")
    st.caption(
        "Rows: the true digit; columns: the digit the model read. Mistakes are shaded by their size; the diagonal "
        "(read right) is green. **Click or tap a cell** (or pick its two digits) to see its images."
    )
    if st.session_state.get(CELL_MODEL) not in (str(choice.path), evaluate_link.LINKED_CELL):  # another model
        st.session_state.pop("eval_true", None)  # starts on its own largest mistake
        st.session_state.pop("eval_pred", None)
    st.session_state[CELL_MODEL] = str(choice.path)
    if "eval_true" not in st.session_state:  # start on the largest mistake
        off = np.where(np.eye(len(confusion), dtype=bool), -1, confusion)
        true, predicted = np.unravel_index(off.argmax(), off.shape)
        st.session_state["eval_true"], st.session_state["eval_pred"] = int(true), int(predicted)
    # The pickers sit above the matrix and the cell's images beside it, so that on a phone, where the columns stack,
    # the images come right under the matrix: a tap shows its result where the finger is.
    matrix, cell = st.columns([5, 6], gap="medium")
    with matrix:
        shown = st.radio("Cells show", (COUNTS, SHARES), horizontal=True, key="confusion_norm")
        c1, c2 = st.columns(2)
        digits = list(range(len(confusion)))
        true = c1.selectbox("True digit", digits, key="eval_true")
        predicted = c2.selectbox("Predicted digit", digits, key="eval_pred")
        st.plotly_chart(
            confusion_figure(confusion, normalised=shown == SHARES, selected=(true, predicted)),
            width="stretch",
            key="confusion",
            on_select=_on_cell_click,
            selection_mode="points",
            config=STILL,
        )
    with cell:
        indices = scores.cell(true, predicted)
        what = "read right" if true == predicted else f"read as {predicted}"
        count = f"{len(indices):,} test image{'s' if len(indices) != 1 else ''} of {a_digit(true)} {what}"
        surest = f" (the {CELL_SHOWN} the model is surest of)" if len(indices) > CELL_SHOWN else ""
        st.markdown(f"**{count}**{surest}")
        if len(indices) == 0:
            st.info("No test image falls in this cell.")
            return
        _gallery("cell", indices[:CELL_SHOWN], scores, data, choice, inside)


def _evaluate_view():
    model, choice = pick_model_choice()
    model_menu(choice)  # on the page too: a phone folds the sidebar away
    data, error = mnist_or_error()
    if error:
        st.error(f"No test data: {as_text(error)}")
        return
    if model is None:
        st.warning("Pick a model in the sidebar.")
        return
    arch = model_architecture(model)
    st.caption(
        f"Model: {as_text(choice.label)}, a {as_text(ARCH_LABELS[arch.name])} of {model.count_params():,} parameters, "
        f"on all {len(data.y_test):,} test images."
    )
    choice_downloads(choice)
    # One slot for the results: while a newly chosen model is scored, its progress bar takes the slot, so the previous
    # model's results go at once (Streamlit would otherwise show them, greyed, under the new model's name).
    slot = st.empty()
    scores = _scores(choice, model, data, slot)
    if scores is not None:
        with slot.container():
            _results(choice, scores, data, arch)


def _results(choice, scores, data, arch):
    evaluation = scores.evaluation
    mistakes = int(np.sum(scores.predicted != scores.labels))
    with st.container(horizontal=True, gap="medium"):
        st.metric("Test accuracy", f"{evaluation.accuracy:.2%}", help=f"Data: {as_text(data.source)}", width=150)
        st.metric(
            "Test loss",
            f"{evaluation.loss:.4f}",
            help="How surprised the model is, on average, by the right answers (cross-entropy): lower is better, "
            "and 0 would mean sure and right on every image.",
            width=150,
        )
        st.metric(f"Mistakes, of {evaluation.count:,}", f"{mistakes:,}", width=150)
    _name_figure_note(choice, evaluation.count)
    st.subheader("Mistakes per digit")
    st.plotly_chart(
        per_class_figure(evaluation.confusion),
        width="stretch",
        key="per_class",
        config=STILL,
    )
    inside = "inside" in arch.views
    _confusion(scores, data, choice, inside)
    st.subheader("The most confident mistakes")
    st.caption(
        "The wrong readings the model was surest of, surest first, with its three most probable digits. "
        "Some are mislabelled or ambiguous digits; others are real failures."
    )
    wrong = scores.confident_mistakes()
    if len(wrong) == 0:
        st.info("The model reads every test image right.")
    else:
        _gallery("mistakes", wrong, scores, data, choice, inside)


def _name_figure_note(choice, count):
    """Say why the accuracy in a run's name may differ from this page's: the run measured it on fewer images (a
    test sample, or its validation images) when it ended; this page reads all `count` test images."""
    entry = runs.find_run(choice.key, runs_dir())
    accuracy, on = entry.accuracy if entry is not None else (None, "")
    if accuracy is None:
        return
    images = entry.summary.test_images
    if on == "test" and images == count:
        return  # the same measure
    if on == "test":
        where = f"{images:,} test images" if images else "a sample of the test images"
    else:
        where = "its validation images"
    st.caption(
        f"The {accuracy:.1%} in this model's name is what its run measured when it ended, on {where}. This page "
        f"reads all {count:,} test images, so the two can differ a little."
    )


LINK_KEYS = {"view": "eval_view", "cells": "confusion_norm", "x": X_KEY, "cell": CELL_MODEL, "runs": RUNS_KEY}


def _comparable():
    return [c.key for c in compare.candidates(runs_dir(), model_choices()[0].path)]


KEPT_CHOICES = "evaluate_kept"  # session key: the page's choices, kept while another page is shown


def render():
    # Back from another page, the cell, its shading and the view are the ones left (before a link may change them).
    keep_across_pages(KEPT_CHOICES, ("eval_view", "confusion_norm", "eval_true", "eval_pred", X_KEY, RUNS_KEY))
    st.title("Evaluate and compare")
    explain(EVALUATE, key="evaluate_how")
    say_ignored(evaluate_link.apply(LINK_KEYS, VIEWS, (COUNTS, SHARES), tuple(X_AXES), _comparable))
    view = st.radio("View", VIEWS, horizontal=True, key="eval_view", label_visibility="collapsed")
    if view == VIEWS[1]:
        compare_view()
    else:
        _evaluate_view()
    state = st.session_state
    cell = (state["eval_true"], state["eval_pred"]) if "eval_true" in state and "eval_pred" in state else None
    choices = (state.get("confusion_norm", COUNTS), state.get(X_KEY, "epoch"), cell, state.get(RUNS_KEY))
    evaluate_link.write(view, *choices, defaults=(VIEWS[0], COUNTS, "epoch"))
    share_box("this view and this model")
