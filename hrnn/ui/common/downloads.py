"""Take a model home: download buttons for a model file, its record (JSON) and its curves (CSV), on the Train page (a
run's) and the Evaluate page (the chosen model's). Files are read when the button is pressed, not on every rerun."""

import json
import logging
from pathlib import Path

import streamlit as st

from hrnn import runs
from hrnn.runs import compare
from hrnn.runs.store.export import curves_csv, shareable_record
from hrnn.runs.store.reading import read_json
from hrnn.ui.common.resources import PRETRAINED_CHOICE

log = logging.getLogger(__name__)

MODEL_HELP = "The trained model, to load with keras.saving.load_model or to upload to another hrnn app."
RECORD_TIP = "What was asked and what happened: the settings, every epoch and batch, the results (no server paths)."
CURVES_HELP = "One row per batch: its loss and accuracy, and each epoch's figures on its last batch."


def _reader(path):
    """A callable that reads `path` when a download asks for it (b"" and a log line if it went away meanwhile)."""

    def read():
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            log.warning("cannot read %s for a download: %s", path, exc)
            return b""

    return read


def _from_record(record_path, make):
    """A callable that, when a download asks for it, reads the record's JSON and returns `make(values)` ("" and a
    log line for a record that cannot be read)."""

    def made():
        try:
            return make(read_json(record_path))
        except (runs.RecordError, RecursionError) as exc:  # JSON the parser follows, too deep to copy
            log.warning("cannot make a download of %s: %s", record_path, exc)
            return ""

    return made


def _shareable(values):
    """The record as it may leave the server (`shareable_record`)."""
    return json.dumps(shareable_record(values), indent=1)


def _curves(values):
    return curves_csv(runs.RunRecord.from_json(values))


def model_downloads(name, model_path, record_path=None, key="downloads"):
    """A row of download buttons: the model (`<name>.keras`), and where `record_path` is a readable record, the
    record (`<name>-record.json`) and its curves (`<name>-curves.csv`). `name` is a plain file name stem."""
    try:
        has_model = Path(model_path).is_file()
        has_record = record_path is not None and Path(record_path).is_file()
    except OSError:
        return
    if not has_model:
        return
    files = [("Model (.keras)", _reader(model_path), f"{name}.keras", "application/zip", "model", MODEL_HELP)]
    if has_record:
        files += [
            (
                "Record (.json)",
                _from_record(record_path, _shareable),
                f"{name}-record.json",
                "application/json",
                "record",
                RECORD_TIP,
            ),
            (
                "Curves (.csv)",
                _from_record(record_path, _curves),
                f"{name}-curves.csv",
                "text/csv",
                "curves",
                CURVES_HELP,
            ),
        ]
    with st.container(horizontal=True, gap="small", key=key):
        for label, data, file_name, mime, part, help_text in files:
            st.download_button(
                label,
                data,
                file_name=file_name,
                mime=mime,
                icon=":material/download:",
                on_click="ignore",
                key=f"{key}_{part}",
                help=help_text,
            )


def choice_downloads(choice, key="model_files"):
    """`model_downloads` for a model picker's `choice`: the shipped model with the record beside it, a run's model
    with its record, an uploaded model alone (it came from the visitor's own disk)."""
    if choice.key == PRETRAINED_CHOICE:
        model_downloads("hrnn-shipped", choice.path, compare.shipped_record_path(choice.path), key=key)
    elif choice.uploaded:
        return
    else:
        model_downloads(f"hrnn-{choice.key}", choice.path, Path(choice.path).parent / runs.RECORD_NAME, key=key)
