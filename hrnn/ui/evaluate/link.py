"""The Evaluate page's address (a lesson link, `hrnn.ui.common.lesson_link`): the view and what it shows.

    /evaluate?cell=7,2&cells=shares&model=<run id>     sevens read as twos, cells as row shares, that model
    /evaluate?view=compare&runs=<id>,<id>&x=samples     two runs compared, against images seen

The model is `?model=` (`hrnn.ui.common.model_picker`).
"""

import streamlit as st

from hrnn.runs import compare
from hrnn.ui.common.lesson_link import LinkValueError, new_address, one_of, whole_number, write_address

PAGE = "evaluate"
VIEW, CELL, CELLS, RUNS, X = "view", "cell", "cells", "runs", "x"
NAMES = (VIEW, CELL, CELLS, RUNS, X)
COMPARE, SHARES, SAMPLES = "compare", "shares", "samples"  # the address's words for the page's non-default choices
LINKED_CELL = "link"  # the cell's model, while a link's cell waits for the page to pick its model


def _cell(text):
    parts = (text or "").split(",")
    if len(parts) != 2:
        raise LinkValueError(f"a cell is true,predicted (7,2), got {text[:20]!r}")
    return tuple(whole_number(part, 0, 9, "digits") for part in parts)


def apply(keys, views, norms, axes, run_keys):
    """Set the page's choices (its session keys: `keys` = {name: key}) from its address when it changed since this
    session applied or wrote it. `views`, `norms`, `axes`: the page's two choices of each (default first);
    `run_keys`: a callable giving the keys of the runs that can be compared. Returns the reasons a value was
    ignored."""
    link = new_address(PAGE, NAMES)
    if link is None:
        return []
    reasons = []
    choices = {VIEW: (COMPARE, views[1]), CELLS: (SHARES, norms[1]), X: (SAMPLES, axes[1])}
    for name, (word, choice) in choices.items():
        if link[name] is not None:
            try:
                one_of(link[name], (word,), name)
                st.session_state[keys[name]] = choice
            except LinkValueError as exc:
                reasons.append(str(exc))
    if link[CELL] is not None:
        try:
            true, predicted = _cell(link[CELL])
            st.session_state["eval_true"], st.session_state["eval_pred"] = true, predicted
            st.session_state[keys[CELL]] = LINKED_CELL
        except LinkValueError as exc:
            reasons.append(str(exc))
    if link[RUNS] is not None:
        named, known = link[RUNS].split(","), set(run_keys())
        unknown = [name for name in named if name not in known]
        if unknown:
            reasons.append(f"there is no run {unknown[0][:40]!r} to compare here")
        else:
            st.session_state[keys[RUNS]] = named[: compare.MAX_COMPARED]  # as many as the picker holds
    return reasons


def write(view, norm, axis, cell, runs, defaults):
    """Put the page's choices in the address: `defaults` = (view, norm, axis) leave theirs out."""
    compare = view != defaults[0]
    write_address(
        PAGE,
        {
            VIEW: COMPARE if compare else None,
            CELLS: SHARES if norm != defaults[1] and not compare else None,
            CELL: f"{cell[0]},{cell[1]}" if cell is not None and not compare else None,
            RUNS: ",".join(runs) if compare and runs else None,
            X: SAMPLES if compare and axis != defaults[2] else None,
        },
    )
