"""The Inside page's address (a lesson link, `hrnn.ui.common.lesson_link`): the input, the "What if?" experiment and
the units section's view.

/inside?digit=149                           test digit 149
/inside?drawing=<base64>                    a drawing or an upload: its 784 pixels in URL-safe base64
&erase=16,17                                rows 16 and 17 erased
&what_if=hold&hold=image,12,15,-0.5         unit 12 of the image reader (`row`: the row reader) held at -0.5 from
                                            row 15 on
&what_if=transplant&donor=3&moved=10,11     rows 10 and 11 taken from test digit 3
&reader=row&view=gates                      the units section: the row reader (`image`: the image reader, the
                                            default), its gates (`memory`: its memory c; `state`, the default: h)
"""

import base64
import binascii

import numpy as np
import streamlit as st

from hrnn.analysis.interventions import IMAGE_READER, ROW_READER, Clamp
from hrnn.ui.common.lesson_link import (
    DIGIT,
    LinkValueError,
    new_address,
    number,
    one_of,
    row_list,
    rows_text,
    test_digit,
    whole_number,
    write_address,
)
from hrnn.ui.common.session import set_current_input, test_index_of
from hrnn.ui.inside.units import IMAGE, LAYER_KEY, ROW, STATE, VIEW_KEY, VIEWS
from hrnn.ui.inside.what_if.state import ERASE, HOLD, KINDS, TRANSPLANT, Experiment, set_experiment, set_kind

PAGE = "inside"
DRAWING, KIND, ERASED, HELD, DONOR, MOVED = "drawing", "what_if", "erase", "hold", "donor", "moved"
READER, VIEW = "reader", "view"
NAMES = (DIGIT, DRAWING, KIND, ERASED, HELD, DONOR, MOVED, READER, VIEW)
READERS = {"image": IMAGE_READER, "row": ROW_READER}  # as the address names them
UNIT_LAYERS = {"image": IMAGE, "row": ROW}  # the units section's readers, as the address names them


def encode_drawing(image28):
    """A 28 x 28 image in [0, 1] as 784 bytes of URL-safe base64 (1,048 characters)."""
    pixels = np.clip(np.round(np.asarray(image28, np.float32) * 255), 0, 255).astype(np.uint8)
    return base64.urlsafe_b64encode(pixels.tobytes()).decode("ascii")


def decode_drawing(text):
    """The 28 x 28 image of `encode_drawing`'s text. Raises LinkValueError (a one-line reason)."""
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise LinkValueError("the drawing in the address is not base64") from None
    if len(raw) != 28 * 28:
        raise LinkValueError(f"the drawing in the address holds {len(raw)} pixels, not 784")
    return np.frombuffer(raw, np.uint8).reshape(28, 28).astype(np.float32) / 255.0


def read_address():
    """The page's address when it changed since this session applied or wrote it (`{name: value}`), else None."""
    return new_address(PAGE, NAMES)


def apply_input(link, data):
    """Make the input `link` names (a test digit of `data`, or a drawing) this session's; returns the reasons a
    value was ignored."""
    if not link or (link[DIGIT] is None and link[DRAWING] is None):
        return []
    try:
        if link[DIGIT] is not None:
            set_current_input(*test_digit(link[DIGIT], data))
        else:
            set_current_input(decode_drawing(link[DRAWING]), "a drawing from the link")
    except LinkValueError as exc:
        return [str(exc)]
    return []


def _clamp(text, units):
    """`"image,12,15,-0.5"` as a Clamp (its row 0-based); `units`: {reader: its number of units}."""
    parts = (text or "").split(",")
    if len(parts) != 4 or parts[0] not in READERS:
        raise LinkValueError(f"a unit to hold is reader,unit,from row,value (image,12,15,-0.5), got {text[:40]!r}")
    layer = READERS[parts[0]]
    unit = whole_number(parts[1], 0, units[layer] - 1, f"the {parts[0]} reader's units")
    from_row = whole_number(parts[2], 1, 28, "rows")
    return Clamp(layer, unit, number(parts[3], -1.0, 1.0, "a held value"), from_row - 1)


def apply_experiment(link, image, units, n_test):
    """Make the experiment `link` names the session's on `image` (`units`: {reader: its number of units}; `n_test`:
    the test digits a donor is one of); returns the reasons a value was ignored."""
    if not link:
        return []
    reasons = []

    def read(name, parse):
        if link[name] is None:
            return None
        try:
            return parse(link[name])
        except LinkValueError as exc:
            reasons.append(str(exc))
            return None

    kind = read(KIND, lambda text: one_of(text, KINDS, KIND))
    erased = read(ERASED, lambda text: row_list(text, "rows to erase"))
    clamp = read(HELD, lambda text: _clamp(text, units))
    donor = read(DONOR, lambda text: whole_number(text, 0, n_test - 1, "test digits"))
    moved = read(MOVED, lambda text: row_list(text, "rows to transplant"))
    if erased is not None:
        set_experiment(image, Experiment(ERASE, tuple(erased)))
    if clamp is not None:
        set_experiment(image, Experiment(HOLD, clamp=clamp))
    if donor is not None or moved is not None:
        set_experiment(image, Experiment(TRANSPLANT, tuple(moved or ()), donor=donor))
    set_kind(kind or ERASE)
    return reasons


def apply_view(link):
    """Make the units section's reader and view those `link` names (the defaults where it names none); returns the
    reasons a value was ignored."""
    if not link:
        return []
    reasons, layer, view = [], IMAGE, STATE
    if link[READER] is not None:
        try:
            layer = UNIT_LAYERS[one_of(link[READER], UNIT_LAYERS, READER)]
        except LinkValueError as exc:
            reasons.append(str(exc))
    if link[VIEW] is not None:
        try:
            view = one_of(link[VIEW], VIEWS, VIEW)
        except LinkValueError as exc:
            reasons.append(str(exc))
    st.session_state[LAYER_KEY], st.session_state[VIEW_KEY] = layer, view
    return reasons


def write(image, origin, chosen):
    """Put the shown input (`image`, described by `origin`) and experiment (`chosen`) in the address."""
    index = test_index_of(origin)
    clamp = chosen.clamp if chosen.kind == HOLD else None
    reader = {layer: name for name, layer in READERS.items()}
    values = {
        DIGIT: None if index is None else str(index),
        DRAWING: None if index is not None or image is None else encode_drawing(image),
        KIND: None if chosen.kind == ERASE else chosen.kind,
        ERASED: rows_text(chosen.rows) if chosen.kind == ERASE else None,
        HELD: f"{reader[clamp.layer]},{clamp.unit},{clamp.from_row + 1},{clamp.value:g}" if clamp else None,
        DONOR: str(chosen.donor) if chosen.kind == TRANSPLANT and chosen.donor is not None else None,
        MOVED: rows_text(chosen.rows) if chosen.kind == TRANSPLANT else None,
        READER: "row" if st.session_state.get(LAYER_KEY) == ROW else None,
        VIEW: None if st.session_state.get(VIEW_KEY, STATE) == STATE else st.session_state[VIEW_KEY],
    }
    write_address(PAGE, values)
