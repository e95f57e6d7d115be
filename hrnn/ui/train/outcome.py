"""What became of the Train page's watched run once it has ended: how it ended, the verdict on its accuracy, "Try it
on Draw" and its files."""

import streamlit as st

from hrnn import runs
from hrnn.runs.store.listing import held_out_accuracy
from hrnn.train.config import TrainConfig
from hrnn.ui import pages
from hrnn.ui.common.downloads import model_downloads
from hrnn.ui.common.scores import reference_accuracy
from hrnn.ui.common.session import set_current_model
from hrnn.ui.common.text import as_text
from hrnn.ui.common.verdict import verdict
from hrnn.ui.train.status_text import stopped_by_text
from hrnn.words import outcome_words


def run_accuracy(record, snap):
    """`(accuracy, images, digits, when)` of the run's model on held-out digits: the test, else the last
    validation, else the live grid (`digits`: "test", "validation" or "grid", `verdict.DIGIT_SETS`); `when` says
    when, where it is not the model as saved at the end ("" for the test; "after epoch 1"; "as it trained")."""
    validated = next((e for e in reversed(snap.epoch_history) if e.val_accuracy is not None), None)
    accuracy, on = held_out_accuracy(record.test_accuracy, validated and validated.val_accuracy)  # the one rule
    if on == "test" and record.test_images:
        return accuracy, record.test_images, "test", ""
    if on == "val" and record.val_images:
        return accuracy, record.val_images, "validation", f"after epoch {validated.epoch}"
    if snap.grid_predictions:
        return snap.grid_correct / len(snap.grid_labels), len(snap.grid_labels), "grid", "as it trained"
    return None, 0, "test", ""


def outcome(entry, snap, data, owner):
    """What became of the watched run, once it has ended: the verdict and "Try it on Draw", or why not."""
    try:
        record = entry.read_record()
    except runs.RecordError as exc:
        st.warning(f"The record of this run cannot be read: {as_text(exc)}")
        return
    if not entry.readable:  # a damaged summary: listed as unreadable, so no verdict from a record it contradicts
        st.warning(f"This run is damaged: {as_text(entry.problem)}")
        return
    if entry.status == "failed":
        st.error(f"Training failed: {as_text(record.error or snap.message)}")
        return
    if entry.status == runs.INTERRUPTED:
        saved = f"the model of its last finished epoch ({len(record.history.epochs)}) is saved"
        full = " It is likely why: the runs folder's disk is full." if entry.folder.disk_full() else ""
        st.warning(
            "The run was interrupted: its worker ended before the run did; "
            + (saved if entry.has_model else "it had saved no model yet")
            + "."
            + full
        )
    else:
        st.success(f"The run {as_text(outcome_words(record))}.")
        who = stopped_by_text(entry.folder) if entry.status == "stopped" else ""
        if who:
            st.caption(f"Stopped {who}.")
    accuracy, images, digits, when = run_accuracy(record, snap)
    if not entry.has_model:
        return
    if accuracy is not None:
        config = record.config or TrainConfig()
        reference = reference_accuracy(data.spec, config.test_limit, config.seed) if digits == "test" else None
        stopped = entry.status != "finished"
        line = verdict(accuracy, images, digits, reference, stopped=stopped, when=when, yours=owner)
        st.markdown(f"### {line}")
    if st.button("Try it on Draw", key="try_on_draw", type="primary", icon=":material/draw:"):
        set_current_model(entry.run_id)
        pages.switch_to(pages.DRAW)
    model_downloads(f"hrnn-{entry.run_id}", entry.model_path, entry.folder.file(runs.RECORD_NAME), key="run_files")
