"""The runs a browser session has started, and the server's limit on how many of them may be queued or training at
once (`HRNN_MAX_RUNS_PER_SESSION`, default 1), so that one person cannot fill the queue of a crowded server."""

import streamlit as st

from hrnn import runs, settings
from hrnn.ui.common.resources import runs_dir
from hrnn.ui.common.run_names import run_name
from hrnn.ui.common.text import as_text
from hrnn.ui.train.watching import watch

STARTED = "runs_started"  # session key: the ids of the runs this session started


class TooManyRuns(RuntimeError):
    """This session holds as many queued or training runs as the server allows; `held` are their entries."""

    def __init__(self, held, limit):
        super().__init__(f"{len(held)} of {limit} runs held")
        self.held, self.limit = held, limit


def remember(run_id):
    """Count `run_id` as one of this session's runs."""
    st.session_state[STARTED] = [*st.session_state.get(STARTED, []), run_id]


def check_room():
    """Raise TooManyRuns when this session's queued or training runs are as many as `HRNN_MAX_RUNS_PER_SESSION`
    (ValueError, naming the variable, when it is set wrongly)."""
    limit = settings.max_runs_per_session()
    mine = set(st.session_state.get(STARTED, []))
    if not mine:
        return
    held = [e for e in runs.list_runs(runs_dir()) if e.run_id in mine and e.active]
    if len(held) >= limit:
        raise TooManyRuns(held, limit)


def offer_held(refusal):
    """Say why Start was refused (a `TooManyRuns`), plainly, and offer to watch the session's run."""
    runs_word = "run" if refusal.limit == 1 else "runs"
    st.warning(
        f"This server lets each browser session have {refusal.limit} {runs_word} queued or training at once. "
        "Cancel or stop yours to start another, or watch it:"
    )
    for entry in refusal.held:
        st.button(
            as_text(f"Watch {run_name(entry)} ({entry.status})"),
            key=f"watch_held_{entry.run_id}",
            on_click=watch,
            args=(entry.run_id,),
        )
