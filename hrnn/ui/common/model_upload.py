"""A model from the visitor's own disk: a `.keras` upload in the model picker (Draw, Inside, Evaluate), checked as the
server's own model files are (`hrnn.nn.model_files.load_model`: Keras's safe mode, 28 x 28 inputs, ten classes, one
of the known architectures as its builder makes it) and kept for this session only.

Uploads are stored by their content's hash in one folder of the machine's temporary directory, so the same file
uploaded twice is one file; the folder is kept under `UPLOADS_CAP_BYTES` by removing the least recently used.
"""

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import streamlit as st

from hrnn.atomic import atomic_write_bytes
from hrnn.nn.model_files import ModelFileError
from hrnn.ui.common.resources import ModelChoice, load_choice_with_key
from hrnn.ui.common.session import set_current_model
from hrnn.ui.common.text import as_text

log = logging.getLogger(__name__)

UPLOADS_KEY = "uploaded_models"  # session key: {choice key: ModelChoice} of this session's valid uploads
REFUSED_KEY = "refused_model_uploads"  # session key: {content hash: the one line saying why}
MAX_MODEL_BYTES = 20 * 1024 * 1024  # as .streamlit/config.toml's maxUploadSize; an HRNN of 128 units is 2.4 MB
UPLOADS_CAP_BYTES = 512 * 1024 * 1024  # every session's uploads together


def uploads_dir():
    return Path(tempfile.gettempdir()) / "hrnn-model-uploads"


def uploaded_choices():
    """This session's uploaded models, as `ModelChoice`s, in the order they came."""
    return list(st.session_state.get(UPLOADS_KEY, {}).values())


def model_uploader(where, key):
    """The uploader in `where` (the sidebar, or the page's model menu) under widget key `key`. A new file that is a
    usable model becomes a choice of this session, and its model; any other gets one line saying why."""
    upload = _read_upload(where, key)
    if upload is None:
        return
    name, data = upload
    digest = hashlib.sha256(data).hexdigest()[:16]
    choices = st.session_state.setdefault(UPLOADS_KEY, {})
    refused = st.session_state.setdefault(REFUSED_KEY, {})
    choice_key = f"upload-{digest}"
    if choice_key in choices:
        return  # this file is a choice already (every rerun sees the upload again)
    if digest not in refused:
        choice, problem = _check(name, data, digest)
        if choice is None:
            refused[digest] = problem
        else:
            choices[choice_key] = choice
            set_current_model(choice_key)
            st.rerun()  # draw the page again with it chosen (the pickers above may already be drawn)
    where.error(f"Cannot use {as_text(name)}: {as_text(refused[digest])}")


def _read_upload(where, key):
    """The uploader widget; returns `(file name, bytes)` or None. (Tests replace it: AppTest cannot upload.)"""
    upload = where.file_uploader(
        "Or use a model file (.keras)",
        type=["keras"],
        key=key,
        help="A model saved by this app (its Download button) or by `python -m hrnn train`: checked before use.",
    )
    return None if upload is None else (upload.name, upload.getvalue())


def _check(name, data, digest):
    """`(ModelChoice, None)` for a usable model file, else `(None, why)` in one line without the server's paths."""
    if len(data) > MAX_MODEL_BYTES:
        mb = 1024 * 1024  # as Streamlit's maxUploadSize counts
        return None, f"it is {len(data) / mb:.1f} MB; model files of up to {MAX_MODEL_BYTES / mb:.0f} MB are taken"
    path = uploads_dir() / f"{digest}.keras"
    try:
        _make_room(len(data))
        atomic_write_bytes(path, data)
    except OSError as exc:
        log.warning("cannot keep an uploaded model in %s: %s", path.parent, exc)
        return None, "this server cannot keep uploaded files right now"
    choice = ModelChoice(f"upload-{digest}", f"{name} (uploaded)", path, None, "unknown data (an uploaded file)", True)
    try:
        load_choice_with_key(choice)  # the checks of `load_model`, and the model cached for the pages
    except ModelFileError as exc:
        path.unlink(missing_ok=True)
        return None, str(exc).replace(f"{path}: ", "").replace(str(path), "the file")
    return choice, None


def _make_room(incoming):
    """Remove the least recently used uploads until `incoming` more bytes fit under `UPLOADS_CAP_BYTES`."""
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for entry in os.scandir(folder):
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        files.append((max(stat.st_atime, stat.st_mtime), stat.st_size, entry.path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total + incoming <= UPLOADS_CAP_BYTES:
            break
        try:
            os.unlink(path)
            total -= size
        except OSError:
            continue
    if total + incoming > UPLOADS_CAP_BYTES:
        raise OSError(f"uploads folder full: {total:,} bytes of {UPLOADS_CAP_BYTES:,}, and {incoming:,} more asked")
