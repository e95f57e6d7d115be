"""Evaluate's Compare runs: the loss and accuracy curves of 2 to 4 runs overlaid (the shipped model's record counts
as one), the settings that differ, and their results."""

import streamlit as st

from hrnn import runs
from hrnn.runs import compare
from hrnn.train.config import LIVE_TEST_LIMIT
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.labels import SETTING_LABELS, percent
from hrnn.ui.common.resources import model_choices, runs_dir
from hrnn.ui.common.run_names import run_label
from hrnn.ui.common.text import as_text
from hrnn.ui.evaluate.figures import compare_figure

RUNS_KEY, X_KEY = "compare_runs", "compare_x"  # session keys: the runs compared, and the curves' x axis
X_AXES = {"epoch": "epoch", "samples": "images seen"}
RESULT_LABELS = {  # Compare's results (`hrnn.runs.compare.RunResults`), in words, in its order
    "arch": "Model",
    "status": "Status",
    "epochs": "Epochs trained",
    "held_out_accuracy": "Held-out accuracy (last epoch)",
    "test_accuracy": "Test accuracy",
    "test_images": "Test images",
    "wall_seconds": "Training time, s",
    "samples_per_second": "Images per second",
}


def _format(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.4g}"
    return str(value)


def _format_result(name, value):
    """An accuracy as a percentage, anything else as `_format` writes it."""
    if name.endswith("accuracy") and isinstance(value, float):
        return percent(value)
    return _format(value)


def compare_view():
    candidates = compare.candidates(runs_dir(), model_choices()[0].path, label_of=run_label)
    if len(candidates) < 2:
        st.info(
            "Comparing needs two runs with at least one finished epoch (the shipped model's record counts as one). "
            "Train one on the Train page."
        )
        return
    labels = {c.key: c.label for c in candidates}
    if not set(st.session_state.get(RUNS_KEY, ())) <= set(labels):  # a run gone since
        st.session_state.pop(RUNS_KEY)
    st.session_state.setdefault(RUNS_KEY, list(labels)[:2])
    keys = st.multiselect(
        "Runs to compare (2 to 4)",
        list(labels),
        format_func=labels.get,
        key=RUNS_KEY,
        max_selections=compare.MAX_COMPARED,
        help="Saved runs of any architecture, and the shipped model's own training record.",
    )
    by_key = {c.key: c for c in candidates}
    chosen = [by_key[k] for k in keys if k in by_key]  # in the order picked
    if len(chosen) < 2:
        st.info("Pick at least two runs.")
        return
    try:
        records = [c.record for c in chosen]
    except runs.RecordError as exc:  # a record damaged since the list was read
        st.warning(f"A run's record cannot be read: {as_text(exc)}")
        return
    x = st.radio("Against", list(X_AXES), format_func=X_AXES.get, horizontal=True, key=X_KEY)
    st.plotly_chart(
        compare_figure([(c.label, compare.curves(r)) for c, r in zip(chosen, records)], x=x),
        width="stretch",
        key="compare_chart",
        config=STILL,
    )
    st.caption("Solid: training (the mean over each epoch's batches). Dashed: held-out images after each epoch.")
    st.subheader("Settings that differ")
    differing = compare.differing_settings(records)
    if not differing:
        st.write("None: these runs were trained with the same settings.")
    else:
        rows = [
            {"setting": SETTING_LABELS[n], **{c.label: _format(v) for c, v in zip(chosen, values)}}
            for n, values in differing
        ]
        st.dataframe(rows, width="stretch", hide_index=True, key="compare_settings")
    st.subheader("Results")
    outcomes = [compare.results(r) for r in records]
    rows = [
        {
            "result": label,
            **{c.label: _format_result(name, getattr(o, name)) for c, o in zip(chosen, outcomes)},
        }
        for name, label in RESULT_LABELS.items()
    ]
    st.dataframe(rows, width="stretch", hide_index=True, key="compare_results")
    st.caption(
        "Test accuracy as the run measured it, on the test images it names (runs started in the app are tested on "
        f"at most {LIVE_TEST_LIMIT:,} of them). Training time and images per second depend on what else the machine "
        "was doing."
    )
