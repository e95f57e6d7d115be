"""The state of Inside's "What if?": which experiment is shown (erase rows, hold a unit, transplant rows) and each
one's settings, as one `Experiment`.

The settings belong to one input: their session keys carry a digest of the image, so another digit starts untouched.
The widgets (`hrnn.ui.inside.what_if.controls`) and a lesson link (`hrnn.ui.inside.link`) both write these keys.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from hrnn.analysis.interventions import IMAGE_READER, Clamp
from hrnn.ui.inside.what_if.row_picker import band_key

ERASE, HOLD, TRANSPLANT = "erase", "hold", "transplant"
KINDS = {ERASE: "Erase rows", HOLD: "Hold a unit", TRANSPLANT: "Transplant rows"}
KIND_KEY = "what_if_kind"
NO_UNIT = -1  # the unit selectbox's "none": nothing held
DEFAULT_VALUE, DEFAULT_FROM = 0.0, 1  # a unit is zeroed from row 1 unless said otherwise


@dataclass(frozen=True)
class Keys:
    """The session keys of one input's experiments."""

    rows: str  # erased rows (1-based)
    note: str  # what "find the fewest rows" found
    layer: str  # the reader whose unit is held
    unit: str  # the unit held, or NO_UNIT
    value: str  # the value it is held at
    start: str  # the row (1-based) it is held from
    donor: str  # the test digit rows are transplanted from, or None
    moved: str  # the rows transplanted (1-based)


def keys(image):
    """The `Keys` of the experiments on `image` `(28, 28)`."""
    digest = hashlib.sha1(np.ascontiguousarray(image, dtype=np.float32).tobytes()).hexdigest()[:12]
    return Keys(*(f"what_if_{name}_{digest}" for name in Keys.__dataclass_fields__))


@dataclass(frozen=True)
class Experiment:
    """One experiment on an input, as the page shows it and a link names it."""

    kind: str = ERASE  # one of KINDS
    rows: tuple = ()  # 1-based: the rows erased (ERASE) or transplanted (TRANSPLANT)
    clamp: Clamp | None = None  # HOLD: the unit held (its from_row 0-based, as the analysis counts)
    donor: int | None = None  # TRANSPLANT: the test digit the rows come from

    @property
    def touched(self):
        """Whether it changes anything: rows erased, a unit held, or rows taken from a donor."""
        if self.kind == HOLD:
            return self.clamp is not None
        if self.kind == TRANSPLANT:
            return self.donor is not None and bool(self.rows)
        return bool(self.rows)


def _defaults(k):
    """Each setting's value when nothing was set: nothing erased, held or moved."""
    return {
        k.rows: [],
        k.layer: IMAGE_READER,
        k.unit: NO_UNIT,
        k.value: DEFAULT_VALUE,
        k.start: DEFAULT_FROM,
        k.donor: None,
        k.moved: [],
    }


def init(image):
    """Give every setting of the experiments on `image` its default where it has none yet (before the widgets that
    show them are drawn)."""
    for key, value in _defaults(keys(image)).items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault(KIND_KEY, ERASE)


def experiment(image):
    """The `Experiment` the session's state describes for `image` (defaults where nothing was set)."""
    k = keys(image)
    state = {**_defaults(k), **{key: st.session_state[key] for key in _defaults(k) if key in st.session_state}}
    kind = st.session_state.get(KIND_KEY) or ERASE
    if kind == HOLD:
        unit = state[k.unit]
        clamp = None if unit == NO_UNIT else Clamp(state[k.layer], int(unit), float(state[k.value]), state[k.start] - 1)
        return Experiment(HOLD, clamp=clamp)
    if kind == TRANSPLANT:
        return Experiment(TRANSPLANT, tuple(sorted(state[k.moved])), donor=state[k.donor])
    return Experiment(ERASE, tuple(sorted(state[k.rows])))


def set_kind(kind):
    """Show the experiment `kind` (a key of `KINDS`)."""
    st.session_state[KIND_KEY] = kind


def set_experiment(image, chosen):
    """Make `chosen`'s settings (an `Experiment`) the session's for its kind of experiment on `image`, as a link
    names them (`set_kind` shows it)."""
    k = keys(image)
    if chosen.kind == ERASE:
        st.session_state[k.rows] = list(chosen.rows)
    elif chosen.kind == TRANSPLANT:
        st.session_state[k.moved], st.session_state[k.donor] = list(chosen.rows), chosen.donor
    elif chosen.clamp is not None:
        clamp = chosen.clamp
        values = (clamp.layer, clamp.unit, clamp.value, clamp.from_row + 1)
        for key, value in zip((k.layer, k.unit, k.value, k.start), values):
            st.session_state[key] = value


def reset(image):
    """Undo the shown experiment on `image` (a button's callback): no rows erased, no unit held, no rows moved."""
    k = keys(image)
    kind = st.session_state.get(KIND_KEY) or ERASE
    own = {ERASE: (k.rows,), HOLD: (k.unit, k.value, k.start), TRANSPLANT: (k.moved, k.donor)}[kind]
    defaults = _defaults(k)
    for key in own:
        st.session_state[key] = defaults[key]
        st.session_state.pop(band_key(key), None)
    st.session_state.pop(k.note, None)
