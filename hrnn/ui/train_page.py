"""Train page: configure a run, start and stop it, watch it learn (curves and a grid of held-out digits), see the
verdict and try the model on Draw, browse saved runs."""

import streamlit as st

from hrnn import limits, runs
from hrnn.charts import training_figure
from hrnn.config import DEMO, LIVE_TEST_LIMIT, LIVE_VAL_LIMIT, OPTIMIZERS, ORIGINAL, SCHEDULES, TrainConfig, demo_config
from hrnn.digit_grid import render_grid
from hrnn.model import ARCHITECTURES
from hrnn.splits import held_out_count
from hrnn.training import snapshot_from_record
from hrnn.ui import draw_page
from hrnn.ui.resources import (
    live_runs,
    mnist_or_error,
    reference_accuracy,
    runs_dir,
    set_current_model,
    start_run,
)
from hrnn.ui.text import as_text
from hrnn.verdict import verdict

REFRESH_SECONDS = 1.0
FIELDS = (
    "arch",
    "epochs",
    "batch_size",
    "row_units",
    "col_units",
    "optimizer",
    "learning_rate",
    "schedule",
    "clipnorm",
    "row_input_scale",
    "forget_bias",
    "train_size",
)
PHASE_TEXT = {
    "validating": "Evaluating on held-out digits...",
    "testing": "Evaluating on test digits...",
    "saving": "Saving the model...",
}


def _apply_preset(config, n_train):
    for name in FIELDS:
        value = getattr(config, name)
        if name == "train_size":
            value = n_train if value is None else min(value, n_train)
        elif name == "clipnorm":
            value = 0.0 if value is None else value
        st.session_state[f"cfg_{name}"] = value


def _controls(n_train, max_epochs, max_units):
    """The settings widgets, within this server's limits; returns the TrainConfig they describe."""
    if "cfg_epochs" not in st.session_state:
        _apply_preset(demo_config(n_train), n_train)
    c1, c2 = st.columns(2)
    if c1.button(
        "Quick demo (about a minute)",
        key="preset_quick",
        width="stretch",
        help="Settings tuned to learn fast: about 30,000 images seen, over 90% of digits read in most runs.",
    ):
        _apply_preset(demo_config(n_train), n_train)
    if c2.button(
        "The original Keras example (full data, 5 epochs)",
        key="preset_seed",
        width="stretch",
        help="Exactly the settings of the Keras example this app is built on: RMSprop, learning rate 0.001, "
        "batch 32, 5 passes over all images. Slow: half an hour or more on a laptop.",
    ):
        _apply_preset(ORIGINAL, n_train)
    # Values above a widget's maximum would be an error: the data source may have shrunk, a preset may be above
    # the server's limits.
    for key, high in (
        ("cfg_train_size", n_train),
        ("cfg_epochs", max_epochs),
        ("cfg_row_units", max_units),
        ("cfg_col_units", max_units),
    ):
        st.session_state[key] = min(st.session_state[key], high)
    arch = st.selectbox(
        "Model",
        list(ARCHITECTURES),
        format_func=lambda name: f"{name}: {ARCHITECTURES[name].label}",
        key="cfg_arch",
        help="hrnn: the hierarchical RNN, a row reader then an image reader. The baselines, to see whether the "
        "hierarchy earns its keep: flat-lstm, one LSTM reading the 28 pixel rows as 28 steps (its size is the "
        "image reader size); cnn, a small convolutional net of about the HRNN's parameter count (no reader sizes). "
        "All three train on the same data with the same loss and optimizer settings.",
    )
    sizes = ARCHITECTURES[arch].sizes
    c1, c2, c3, c4 = st.columns(4)
    epochs = c1.number_input("Epochs", 1, max_epochs, key="cfg_epochs", help="Passes over the training images.")
    batch_size = c2.number_input(
        "Batch size", 1, 4096, key="cfg_batch_size", help="Images per learning step: the weights change once per batch."
    )
    row_units = c3.number_input(
        "Row reader size",
        1,
        max_units,
        key="cfg_row_units",
        help="Hidden units of the first LSTM, which reads each pixel row left to right into a vector.",
        disabled="row_units" not in sizes,
    )
    col_units = c4.number_input(
        "Image reader size",
        1,
        max_units,
        key="cfg_col_units",
        help="Hidden units of the second LSTM, which reads the 28 row vectors top to bottom into one image vector.",
        disabled="col_units" not in sizes,
    )
    c1, c2, c3, c4 = st.columns(4)
    optimizer = c1.selectbox(
        "Optimizer", OPTIMIZERS, key="cfg_optimizer", help="How the weights are updated from each batch's gradient."
    )
    learning_rate = c2.number_input(
        "Learning rate",
        1e-6,
        1.0,
        key="cfg_learning_rate",
        format="%.5f",
        step=1e-4,
        help="How big each update step is. Too big and the loss jumps about; too small and it learns slowly.",
    )
    schedule = c3.selectbox(
        "Schedule",
        SCHEDULES,
        key="cfg_schedule",
        help="constant: the same learning rate throughout; cosine: it shrinks smoothly to 0 by the end.",
    )
    train_size = c4.number_input(
        f"Training images (of {n_train:,})",
        10,
        n_train,
        key="cfg_train_size",
        step=500,
        help="How many images to learn from. Images held out for validation are never among them.",
    )
    c1, c2, c3 = st.columns(3)
    clipnorm = c1.number_input(
        "Gradient clipping (0 = off)",
        0.0,
        1000.0,
        key="cfg_clipnorm",
        step=0.5,
        help="Caps the size of each weight's gradient, so one odd batch cannot throw the weights far off.",
    )
    row_input_scale = c2.number_input(
        "Row reader input scale",
        0.1,
        100.0,
        key="cfg_row_input_scale",
        step=1.0,
        help="Multiplies the row reader's starting input weights. Keras's default (1) starts them so small that a "
        "pixel barely registers and the loss sits at 2.3 for the first few thousand images; 10 learns at once.",
        disabled=arch != "hrnn",
    )
    forget_bias = c3.number_input(
        "Image reader forget bias",
        -10.0,
        10.0,
        key="cfg_forget_bias",
        step=0.5,
        help="The image reader's starting forget-gate bias (Keras: 1). Higher keeps what the upper rows said "
        "longer, through the blank rows at the bottom of a digit.",
        disabled=arch != "hrnn",
    )
    return TrainConfig(
        arch=arch,
        epochs=int(epochs),
        batch_size=int(batch_size),
        row_units=int(row_units),
        col_units=int(col_units),
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        schedule=schedule,
        clipnorm=float(clipnorm) if clipnorm > 0 else None,
        row_input_scale=float(row_input_scale),
        forget_bias=float(forget_bias),
        train_size=None if train_size >= n_train else int(train_size),
        val_limit=LIVE_VAL_LIMIT,
        test_limit=LIVE_TEST_LIMIT,
    )


def _own_run():
    """This session's current run (None if it has not started one)."""
    return st.session_state.get("train_run")


def _status_text(snap):
    if snap.status == "starting" or (snap.status == "running" and snap.samples_seen == 0):
        return "Starting: preparing the data and the model..."
    if snap.status in ("finished", "stopped", "failed"):
        return snap.status.capitalize()
    eta = f"about {snap.eta_seconds:.0f} s left" if snap.eta_seconds is not None else "estimating time left"
    doing = PHASE_TEXT.get(snap.phase, f"Epoch {snap.epoch} of {snap.epochs}, batch {snap.step}/{snap.steps_per_epoch}")
    return f"{doing} - {snap.samples_per_second:.0f} images/s - {eta}"


def _digit_grid(snap):
    if not snap.grid_images:
        return
    st.markdown("**Twenty held-out digits, read by the model as it learns** (green: right, red: wrong)")
    st.image(render_grid(snap.grid_images, snap.grid_labels, snap.grid_predictions), width="stretch")
    if snap.grid_predictions:
        st.caption(
            f"It reads {snap.grid_correct} of {len(snap.grid_labels)} right after {snap.grid_samples:,} images. "
            "It has never trained on these digits."
        )
    else:
        st.caption("Each digit shows what the model reads once the first batch is done.")


def _metrics(snap):
    cols = st.columns(4)
    cols[0].metric("Epoch", f"{min(max(snap.epoch, 1), snap.epochs or 1)} of {snap.epochs or '?'}")
    cols[1].metric("Images seen", f"{snap.samples_seen:,}")
    if snap.epoch_history:
        last = snap.epoch_history[-1]
        cols[2].metric(
            "Training accuracy",
            f"{last['accuracy']:.1%}",
            help="The average over the last epoch's batches, while the model was still learning: it trails the "
            "end-of-epoch model, which is why it can sit below the validation accuracy.",
        )
        if "val_accuracy" in last:
            cols[3].metric(
                "Validation accuracy",
                f"{last['val_accuracy']:.1%}",
                help="On held-out images never trained on, with the model as it is at the end of the epoch.",
            )


def _progress_panel(run):
    snap = run.progress.snapshot()
    done = snap.samples_seen / snap.samples_total if snap.samples_total else 0.0
    st.progress(min(done, 1.0), text=_status_text(snap))
    _metrics(snap)
    chart, grid = st.columns([3, 2], gap="medium")
    with chart:
        st.plotly_chart(training_figure(snap), width="stretch", key="live_chart", config={"displayModeBar": False})
    with grid:
        _digit_grid(snap)
    return snap


@st.fragment(run_every=REFRESH_SECONDS)
def _live_panel(run):
    _progress_panel(run)
    if not run.alive:
        st.rerun(scope="app")  # the run ended: redraw the page with the verdict and Start enabled again


def _run_accuracy(run, snap):
    """`(accuracy, images, on_test)` for the run's model on held-out digits: the test, else the last validation, else
    the grid; `on_test` says whether it was the test (then the shipped model can be scored on the same digits)."""
    record = run.result.record if run.result is not None else {}
    if "test_accuracy" in record:
        return record["test_accuracy"], record["test_images"], True
    for entry in reversed(snap.epoch_history):
        if "val_accuracy" in entry:
            return entry["val_accuracy"], min(run.config.val_limit or 10**9, LIVE_VAL_LIMIT), False
    if snap.grid_predictions:
        return snap.grid_correct / len(snap.grid_labels), len(snap.grid_labels), False
    return None, 0, False


def _outcome(run, snap, data):
    if snap.status == "failed":
        st.error(f"Training failed: {as_text(snap.message)}")
        return
    st.success(f"Run {as_text(run.run_id)} {as_text(snap.message)}.")
    accuracy, images, on_test = _run_accuracy(run, snap)
    if accuracy is None or not (run.result is not None and run.result.record.get("samples_seen")):
        return
    reference = reference_accuracy(data.source, run.config.test_limit, run.config.seed) if on_test else None
    st.markdown(f"### {verdict(accuracy, images, reference, stopped=snap.status == 'stopped')}")
    if st.button("Try it on Draw", key="try_on_draw", type="primary", icon=":material/draw:"):
        set_current_model(run.run_id)
        st.switch_page(draw_page.page())


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
                "arch": cfg.get("arch", "hrnn"),
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
        "Watch the network learn to read digits. A **row reader** (an LSTM) reads each pixel row of an image into "
        "a vector; an **image reader** (a second LSTM) reads those 28 vectors top to bottom; a last layer turns "
        "what it read into ten digit probabilities. Press **Start**: the loss falls as it learns, and the digits on "
        "the right turn green as it reads them right."
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
    n_train = len(data.y_train) - held_out_count(len(data.y_train), DEMO)
    with st.expander("Settings", expanded=run is None):  # after a run, its results stay in view
        config = _controls(n_train, max_epochs, max_units)
    c1, c2 = st.columns(2)
    if c1.button("Start training", key="start", type="primary", disabled=running, width="stretch"):
        try:
            _start(config.check(), data)
        except ValueError as exc:
            st.error(as_text(exc))
        else:
            st.rerun()  # redraw at once: settings folded away, Start disabled, the live panel in view
    if c2.button("Stop", key="stop", disabled=not running, width="stretch"):
        run.stop()
        st.toast("Stopping after the current batch...")
    if run is not None:
        if running:
            _live_panel(run)
        else:
            snap = _progress_panel(run)
            _outcome(run, snap, data)
    _saved_runs()
