"""The runs a browser has started (the runs it owns, `hrnn.ui.common.ownership`), and the server's limit on how many
of them may be queued or training at once (`HRNN_MAX_RUNS_PER_SESSION`, default 1), so that one person cannot fill
the queue of a crowded server. A refresh or a second tab of the same browser holds the same runs."""

import streamlit as st

from hrnn import runs, settings
from hrnn.ui.common.ownership import browser_key
from hrnn.ui.common.resources import runs_dir
from hrnn.ui.common.run_names import run_name
from hrnn.ui.common.text import as_text
from hrnn.ui.train.watching import watch


class TooManyRuns(RuntimeError):
    """This browser holds as many queued or training runs as the server allows; `held` are their entries."""

    def __init__(self, held, limit):
        super().__init__(f"{len(held)} of {limit} runs held")
        self.held, self.limit = held, limit


def check_room():
    """Raise TooManyRuns when this browser's queued or training runs are as many as `HRNN_MAX_RUNS_PER_SESSION`
    (ValueError, naming the variable, when it is set wrongly)."""
    limit = settings.max_runs_per_session()
    key = browser_key()
    if key is None:  # it has started none
        return
    held = [e for e in runs.list_runs(runs_dir()) if e.active and e.folder.owned_by(key)]
    if len(held) >= limit:
        raise TooManyRuns(held, limit)


def offer_held(refusal):
    """Say why Start was refused (a `TooManyRuns`), plainly, and offer to watch the browser's run."""
    runs_word = "run" if refusal.limit == 1 else "runs"
    st.warning(
        f"This server lets each browser have {refusal.limit} {runs_word} queued or training at once. "
        "Cancel or stop yours to start another, or watch it:"
    )
    for entry in refusal.held:
        st.button(
            as_text(f"Watch {run_name(entry)} ({entry.status})"),
            key=f"watch_held_{entry.run_id}",
            on_click=watch,
            args=(entry.run_id,),
        )
