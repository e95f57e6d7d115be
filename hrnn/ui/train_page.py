"""Train page: configure a run, start and stop it, watch the live curves, browse saved runs."""

import streamlit as st

from hrnn import limits, runs
from hrnn.charts import training_figure
from hrnn.model import OPTIMIZERS
from hrnn.training import TrainConfig, held_out_count, snapshot_from_record
from hrnn.ui.resources import (
    LIVE_TEST_LIMIT,
    LIVE_VAL_LIMIT,
    QUICK_CONFIG,
    live_runs,
    mnist_or_error,
    runs_dir,
    start_run,
)
from hrnn.ui.text import as_text

REFRESH_SECONDS = 1.0
SEED_CONFIG = TrainConfig()  # the seed's settings: all images, 5 epochs, RMSprop 1e-3, batch 32
FIELDS = ("epochs", "batch_size", "row_units", "col_units", "optimizer", "learning_rate", "train_size")


def _apply_preset(config, n_train):
    for name in FIELDS:
        value = getattr(config, name)
        st.session_state[f"cfg_{name}"] = n_train if name == "train_size" and value is None else value


def _controls(n_train, max_epochs, max_units):
    """The settings widgets, within this server's limits; returns the TrainConfig they describe."""
    if "cfg_epochs" not in st.session_state:
        _apply_preset(QUICK_CONFIG, n_train)
    c1, c2 = st.columns(2)
    if c1.button("Quick demo (about a minute)", key="preset_quick", width="stretch"):
        _apply_preset(QUICK_CONFIG, n_train)
    if c2.button("The seed's settings (full data, 5 epochs)", key="preset_seed", width="stretch"):
        _apply_preset(SEED_CONFIG, n_train)
    # Values above a widget's maximum would be an error: the data source may have shrunk, a preset may be above
    # the server's limits.
    for key, high in (
        ("cfg_train_size", n_train),
        ("cfg_epochs", max_epochs),
        ("cfg_row_units", max_units),
        ("cfg_col_units", max_units),
    ):
        st.session_state[key] = min(st.session_state[key], high)
    c1, c2, c3, c4 = st.columns(4)
    epochs = c1.number_input("Epochs", 1, max_epochs, key="cfg_epochs")
    batch_size = c2.number_input("Batch size", 1, 4096, key="cfg_batch_size")
    row_units = c3.number_input("Row units", 1, max_units, key="cfg_row_units")
    col_units = c4.number_input("Column units", 1, max_units, key="cfg_col_units")
    c1, c2, c3 = st.columns(3)
    optimizer = c1.selectbox("Optimizer", OPTIMIZERS, key="cfg_optimizer")
    learning_rate = c2.number_input("Learning rate", 1e-6, 1.0, key="cfg_learning_rate", format="%.5f", step=1e-4)
    train_size = c3.number_input(
        f"Training images (of {n_train:,}; the rest validate)", 10, n_train, key="cfg_train_size", step=500
    )
    return TrainConfig(
        epochs=int(epochs),
        batch_size=int(batch_size),
        row_units=int(row_units),
        col_units=int(col_units),
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        train_size=None if train_size >= n_train else int(train_size),
        val_limit=LIVE_VAL_LIMIT,
        test_limit=LIVE_TEST_LIMIT,
    )


def _own_run():
    """This session's current run (None if it has not started one)."""
    return st.session_state.get("train_run")


def _progress_panel(run):
    snap = run.progress.snapshot()
    done = snap.samples_seen / snap.samples_total if snap.samples_total else 0.0
    eta = f"{snap.eta_seconds:.0f} s" if snap.eta_seconds is not None else "..."
    text = (
        f"{snap.status} - epoch {snap.epoch}/{snap.epochs}, batch {snap.step}/{snap.steps_per_epoch} - "
        f"{snap.samples_per_second:.0f} samples/s - ETA {eta}"
    )
    if snap.status in ("starting",) or (snap.status == "running" and snap.samples_seen == 0):
        text = "starting: preparing data and compiling the model..."
    st.progress(min(done, 1.0), text=text)
    st.plotly_chart(training_figure(snap), width="stretch", key="live_chart")
    if snap.epoch_history:
        last = snap.epoch_history[-1]
        cols = st.columns(4)
        cols[0].metric("Epoch", last["epoch"])
        cols[1].metric("Train accuracy", f"{last['accuracy']:.4f}")
        if "val_accuracy" in last:
            cols[2].metric("Validation accuracy", f"{last['val_accuracy']:.4f}")
        if snap.first_batch_seconds is not None:
            cols[3].metric("First batch after", f"{snap.first_batch_seconds:.1f} s")
    if snap.status == "failed":
        st.error(f"Training failed: {as_text(snap.message)}")
    elif snap.status in ("finished", "stopped"):
        st.success(
            f"Run {as_text(run.run_id)} {as_text(snap.message)}. Its model is saved and can be picked on the "
            "other pages."
        )


@st.fragment(run_every=REFRESH_SECONDS)
def _live_panel(run):
    _progress_panel(run)
    if not run.alive:
        st.rerun(scope="app")  # the run ended: redraw the page with Start enabled again


def _start(config, data):
    """Start `config` for this session unless this server's limits refuse it (ValueError, one line): its
    epochs and units (`HRNN_MAX_EPOCHS`, `HRNN_MAX_UNITS`), the runs folder's size (`HRNN_RUNS_DISK_MB`), the runs
    training at once (`HRNN_MAX_RUNS`)."""
    limits.check_app_config(config)
    limits.check_runs_disk(runs_dir())
    st.session_state["train_run"] = start_run(config, data, limits.max_runs())


def _saved_runs():
    saved = runs.list_runs(runs_dir())
    st.subheader("Saved runs")
    st.caption(f"Runs folder: {as_text(runs_dir())}")
    if not saved:
        st.write("No runs yet. Start one above; every run is saved here, finished or not.")
        return
    rows = []
    for r in saved:
        cfg, hist = r.record.get("config", {}), r.record.get("history", {}).get("epochs", [])
        rows.append(
            {
                "run": r.run_id,
                "status": r.status,
                "epochs": f"{len(hist)}/{cfg.get('epochs', '?')}",
                "units": f"{cfg.get('row_units')}/{cfg.get('col_units')}",
                "optimizer": cfg.get("optimizer"),
                "val acc": hist[-1].get("val_accuracy") if hist else None,
                "test acc": r.record.get("test_accuracy"),
                "model": "yes" if r.has_model else "no",
            }
        )
    st.dataframe(rows, width="stretch", hide_index=True)
    ids = [r.run_id for r in saved]
    chosen = st.selectbox("Show the curves of", ids, key="saved_run_choice")
    active = live_runs().get(chosen)
    if active is not None and active.alive:
        st.info("This run is still training: its live curves are shown above in the session that started it.")
    record = next(r for r in saved if r.run_id == chosen).record
    try:
        snapshot = snapshot_from_record(record)
    except (TypeError, ValueError, AttributeError) as exc:  # a record.json edited by hand, or by something else
        st.warning(f"The record of {as_text(chosen)} cannot be drawn: {as_text(exc)}")
        return
    st.plotly_chart(training_figure(snapshot), width="stretch", key="saved_chart")
    if record.get("error"):
        st.error(f"This run failed: {as_text(record['error'])}")


def render():
    st.title("Train the hierarchical RNN")
    st.markdown(
        "Train the seed's model on MNIST and watch it learn: the loss and accuracy of every batch (faint), "
        "smoothed (bold), and the validation score after each epoch (red dots)."
    )
    data, error = mnist_or_error()
    if error:
        st.error(f"No training data: {as_text(error)}")
        return
    try:
        max_epochs, max_units = limits.max_epochs(), limits.max_units()
    except ValueError as exc:
        st.error(f"This server's limits are set wrongly: {as_text(exc)}")
        return
    st.caption(f"Data: {as_text(data.source)}")
    run = _own_run()
    running = run is not None and run.alive
    config = _controls(len(data.y_train) - held_out_count(len(data.y_train), TrainConfig()), max_epochs, max_units)
    c1, c2 = st.columns(2)
    if c1.button("Start training", key="start", type="primary", disabled=running, width="stretch"):
        try:
            _start(config.check(), data)
        except ValueError as exc:
            st.error(as_text(exc))
        run = _own_run()
        running = run is not None and run.alive
    if c2.button("Stop", key="stop", disabled=not running, width="stretch"):
        run.stop()
        st.toast("Stopping after the current batch...")
    if run is not None:
        if running:
            _live_panel(run)
        else:
            _progress_panel(run)
    _saved_runs()
