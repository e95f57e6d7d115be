"""The Train page's lists of runs: the other runs training now, and every saved run with the newest one's curves."""

import streamlit as st

from hrnn import runs
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.labels import percent
from hrnn.ui.common.resources import run_capacity, run_snapshot, runs_dir
from hrnn.ui.common.run_names import ordinal, run_name, started_text
from hrnn.ui.common.text import as_text
from hrnn.ui.train.figures import training_figure
from hrnn.ui.train.watching import OTHERS_LIVE, watch

LIST_REFRESH_SECONDS = 3.0  # the list of other runs training


@st.fragment(run_every=LIST_REFRESH_SECONDS)
def training_now(watched):
    """The other runs training or queued on this server, each with a button to watch it. When one of them ends, the
    whole page runs again, so that the saved runs below list it."""
    others = [e for e in runs.list_runs(runs_dir()) if e.active and e.run_id != watched]
    live = {e.run_id for e in others}
    ended = st.session_state.get(OTHERS_LIVE, set()) - live
    st.session_state[OTHERS_LIVE] = live
    if ended:
        st.rerun(scope="app")
    if not others:
        return
    st.markdown(f"**Training now on this server** ({run_capacity()} at once; more wait in line)")
    for entry in others:
        text, button = st.columns([4, 1], vertical_alignment="center")
        line = f"{run_name(entry)} (started {started_text(entry.run_id)})"
        if entry.queue_position:
            line += f": queued, {ordinal(entry.queue_position)} in line"
        elif entry.not_responding:
            line += ": not responding"
        text.write(as_text(line))
        if button.button("Watch", key=f"watch_{entry.run_id}", width="stretch"):
            watch(entry.run_id)
            st.rerun(scope="app")


def _status_words(entry):
    """The run's status for the table; an ended run with nothing trained says so."""
    return f"{entry.status} (nothing trained)" if entry.empty else entry.status


def saved_runs(shown_above=None):
    """Every run that is not training: a readable name, its status and results (or why its files cannot be read),
    and the curves of one, the newest by default (not drawn again when it is `shown_above`, the page's own run)."""
    listed = runs.list_runs(runs_dir())
    saved = [r for r in listed if not r.active]  # runs training are shown, live, above
    one_is_training = len(saved) < len(listed)
    st.subheader("Saved runs")
    if not saved:
        ended = "The run training now is listed here when it ends." if one_is_training else "Start one above."
        st.write(f"No saved runs yet. {ended} Every run is saved, finished or not.")
        return
    rows = []
    for r in saved:
        s = r.summary
        rows.append(
            {
                "run": run_name(r),
                "started": started_text(r.run_id),
                "status": _status_words(r),
                "val acc": percent(s.val_accuracy if s else None),
                "test acc": percent(s.test_accuracy if s else None),
                "model": "saved" if r.has_model else "-",
                "id": r.run_id,
            }
        )
    st.dataframe(
        rows,
        width="stretch",
        hide_index=True,
        key="saved_runs_table",
        column_config={
            "val acc": st.column_config.TextColumn(
                help="Accuracy on the held-out validation images after the last finished epoch"
            ),
            "test acc": st.column_config.TextColumn(help="Accuracy on test images, measured when a run finishes"),
            "id": st.column_config.TextColumn(help="The run's folder in the runs folder"),
        },
    )
    readable = [r for r in saved if r.readable and not r.empty]  # a run that trained nothing has no curves
    if not readable:
        return
    names = {r.run_id: f"{run_name(r)} ({started_text(r.run_id)})" for r in readable}
    # Keyed by the newest run: after a new run ends, the choice starts on it, not on the one picked before.
    chosen = st.selectbox(
        "Show the curves of", list(names), format_func=names.get, key=f"saved_run_choice_{readable[0].run_id}"
    )
    entry = next(r for r in readable if r.run_id == chosen)
    if chosen == shown_above:
        st.caption("Its curves are the ones above.")
        return
    try:
        snapshot = run_snapshot(entry)
    except runs.RecordError as exc:  # a record.json edited by hand, or by something else
        st.warning(f"The curves of {as_text(chosen)} cannot be drawn: {as_text(exc)}")
        return
    st.plotly_chart(training_figure(snapshot), width="stretch", key="saved_chart", config=STILL)
    if entry.summary.error:
        st.error(f"This run failed: {as_text(entry.summary.error)}")
