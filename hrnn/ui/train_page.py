"""Train page: configure a run, start it, watch it learn live (curves and a grid of held-out digits), stop it, see
the verdict and try the model on Draw; every run of the runs folder, training or saved.

The page holds no run. A run is a worker process writing its folder (`hrnn.runs`), and the page watches the run
named in its URL (`?run=<id>`): a refresh, a second tab, another browser and a restarted server all find it again,
live, with its curves from the first batch, and Stop (a request file in the run folder) works from any of them.
Each browser watches the run it started; other runs training are listed, and one click watches one of them.
"""

import streamlit as st

from hrnn import limits, runs
from hrnn.charts import STILL, training_figure
from hrnn.config import (
    DEMO,
    LEARNING_FIELDS,
    LIVE_TEST_LIMIT,
    LIVE_VAL_LIMIT,
    OPTIMIZERS,
    ORIGINAL,
    SCHEDULES,
    TrainConfig,
    demo_config,
    preset_name,
)
from hrnn.digit_grid import render_grid
from hrnn.model import ARCHITECTURES
from hrnn.splits import held_out_count
from hrnn.ui import draw_page
from hrnn.ui.explainers import TRAIN, explain
from hrnn.ui.resources import (
    mnist_or_error,
    reference_accuracy,
    run_snapshot,
    runs_dir,
    score_reference_soon,
    set_current_model,
    start_run,
)
from hrnn.ui.text import as_text
from hrnn.verdict import verdict

REFRESH_SECONDS = 1.0  # the watched run's panel
LIST_REFRESH_SECONDS = 3.0  # the list of other runs training
WATCH_PARAM = "run"  # the URL's query parameter naming the watched run
WATCHED = "watched_run"  # session key: the same, for when navigating between pages drops the URL's query
OTHERS_LIVE = "others_live"  # session key: the ids of the other live runs at the list's last refresh
FIELDS = (*LEARNING_FIELDS, "epochs", "train_size")  # what the page's settings set, presets included
CHART_HEIGHT = 370  # px: with the buttons and progress bar above it, the chart fits a 1440 x 900 screen
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


def _watched_run_id():
    """The id of the run this page watches: the URL's `?run=`, else the one this session watched last."""
    return st.query_params.get(WATCH_PARAM) or st.session_state.get(WATCHED)


def _watch(run_id):
    """Watch `run_id` in this session, and name it in the URL so that a refresh or a shared link finds it again."""
    st.query_params[WATCH_PARAM] = run_id
    st.session_state[WATCHED] = run_id


def _unwatch():
    st.query_params.pop(WATCH_PARAM, None)
    st.session_state.pop(WATCHED, None)


def _ordinal(n):
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _queued_text(entry):
    """A queued run's place in line; or, while a slot is free for it, that it is starting (its worker takes the
    slot when it is ready: a worker still loading TensorFlow has not yet)."""
    training = sum(1 for e in runs.list_runs(runs_dir()) if e.live and e.status == "running")
    if entry.queue_position and entry.queue_position <= limits.max_runs() - training:
        return "Starting: the worker is loading TensorFlow and the data..."
    place = f"{_ordinal(entry.queue_position)} in line" if entry.queue_position else "waiting"
    return f"Queued, {place}: it starts when one of the runs training now ends"


def _status_text(entry, snap):
    status = entry.status
    if status == "queued":
        return _queued_text(entry)
    if status == runs.INTERRUPTED:
        return "Interrupted: its worker ended before the run did"
    if status != "running":
        return status.capitalize()
    if snap.samples_seen == 0:
        return "Starting: preparing the data and the model..."
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


def _metric_pair(key):
    """A row of two metrics that stays a row on a phone (Streamlit's columns stack one under another there); its
    halves are equal (hrnn.ui.style), so the rows' metrics line up."""
    return st.container(horizontal=True, wrap=False, gap="small", key=f"metric_row_{key}")


def _metrics(snap):
    """Epoch, images seen and the last epoch's accuracies, two by two (the column beside the chart is narrow)."""
    with _metric_pair("top"):
        st.metric("Epoch", f"{min(max(snap.epoch, 1), snap.epochs or 1)} of {snap.epochs or '?'}")
        st.metric("Images seen", f"{snap.samples_seen:,}")
    if not snap.epoch_history:
        return
    last = snap.epoch_history[-1]
    with _metric_pair("bottom"):
        st.metric(
            "Training accuracy",
            f"{last['accuracy']:.1%}",
            help="The average over the last epoch's batches, while the model was still learning.",
        )
        if "val_accuracy" in last:
            st.metric(
                "Validation accuracy",
                f"{last['val_accuracy']:.1%}",
                help="On held-out images never trained on, with the model as it is at the end of the epoch.",
            )
        else:
            st.empty()  # keeps the first metric to half the row, as above
    if last.get("val_accuracy", 0.0) > last["accuracy"]:
        st.caption(
            "Why is validation higher? Training accuracy averages the whole epoch, early batches included, while "
            "validation reads with the end-of-epoch model, which has learned more."
        )


def _snapshot_or_warning(entry):
    try:
        return run_snapshot(entry)
    except runs.RecordError as exc:
        st.warning(f"The progress of {as_text(entry.run_id)} cannot be read: {as_text(exc)}")
        return None


def _progress_panel(entry, snap):
    """The run's progress bar, then its curves beside its figures and digit grid (`snap`: its snapshot)."""
    done = snap.samples_seen / snap.samples_total if snap.samples_total else 0.0
    st.progress(min(done, 1.0), text=_status_text(entry, snap))
    chart, side = st.columns([3, 2], gap="medium")
    with chart:
        st.plotly_chart(training_figure(snap, height=CHART_HEIGHT), width="stretch", key="live_chart", config=STILL)
    with side:
        _metrics(snap)
        _digit_grid(snap)


@st.fragment(run_every=REFRESH_SECONDS)
def _live_panel(run_id):
    entry = runs.find_run(run_id, runs_dir())
    snap = _snapshot_or_warning(entry) if entry is not None else None
    if snap is not None:
        _progress_panel(entry, snap)
    if entry is None or not entry.live:
        st.rerun(scope="app")  # the run ended: redraw the page with the verdict and Start enabled again


def _run_accuracy(record, snap):
    """`(accuracy, images, on_test)` of the run's model on held-out digits: the test, else the last validation,
    else the live grid."""
    if record.test_accuracy is not None and record.test_images:
        return record.test_accuracy, record.test_images, True
    for entry in reversed(snap.epoch_history):
        if "val_accuracy" in entry:
            val_limit = record.config.val_limit if record.config else None
            return entry["val_accuracy"], min(val_limit or 10**9, LIVE_VAL_LIMIT), False
    if snap.grid_predictions:
        return snap.grid_correct / len(snap.grid_labels), len(snap.grid_labels), False
    return None, 0, False


def _outcome(entry, snap, data):
    """What became of the watched run, once it has ended: the verdict and "Try it on Draw", or why not."""
    try:
        record = entry.read_record()
    except runs.RecordError as exc:
        st.warning(f"The record of {as_text(entry.run_id)} cannot be read: {as_text(exc)}")
        return
    if entry.status == "failed":
        st.error(f"Training failed: {as_text(record.error or snap.message)}")
        return
    if entry.status == runs.INTERRUPTED:
        saved = f"the model of its last finished epoch ({len(record.history.epochs)}) is saved"
        st.warning(
            f"Run {as_text(entry.run_id)} was interrupted: its worker ended before the run did; "
            + (saved if entry.has_model else "it had saved no model yet")
            + "."
        )
    else:
        st.success(f"Run {as_text(entry.run_id)} {as_text(record.message or entry.status)}.")
    accuracy, images, on_test = _run_accuracy(record, snap)
    if accuracy is None or not entry.has_model:
        return
    config = record.config or TrainConfig()
    reference = reference_accuracy(data.spec, config.test_limit, config.seed) if on_test else None
    st.markdown(f"### {verdict(accuracy, images, reference, stopped=entry.status != 'finished')}")
    if st.button("Try it on Draw", key="try_on_draw", type="primary", icon=":material/draw:"):
        set_current_model(entry.run_id)
        st.switch_page(draw_page.page())


def _start(config, data):
    """Start `config` for this session unless this server's limits refuse it (ValueError, one line): its epochs
    and units (`HRNN_MAX_EPOCHS`, `HRNN_MAX_UNITS`) and the runs folder's size (`HRNN_RUNS_DISK_MB`). Beyond
    `HRNN_MAX_RUNS` runs training at once, it queues."""
    limits.check_app_config(config)
    limits.check_runs_disk(runs_dir())
    _watch(start_run(config, data))
    if config.test_limit != 0:
        score_reference_soon(data.spec, config.test_limit, config.seed)  # ready for the verdict


@st.fragment(run_every=LIST_REFRESH_SECONDS)
def _training_now(watched):
    """The other runs training or queued on this server, each with a button to watch it. When one of them ends, the
    whole page runs again, so that the saved runs below list it."""
    others = [e for e in runs.list_runs(runs_dir()) if e.live and e.run_id != watched]
    live = {e.run_id for e in others}
    ended = st.session_state.get(OTHERS_LIVE, set()) - live
    st.session_state[OTHERS_LIVE] = live
    if ended:
        st.rerun(scope="app")
    if not others:
        return
    st.markdown(f"**Training now on this server** ({limits.max_runs()} at once; more wait in line)")
    for entry in others:
        text, button = st.columns([4, 1], vertical_alignment="center")
        line = f"{entry.name()} (started {runs.started_text(entry.run_id)})"
        if entry.queue_position:
            line += f": queued, {_ordinal(entry.queue_position)} in line"
        text.write(as_text(line))
        if button.button("Watch", key=f"watch_{entry.run_id}", width="stretch"):
            _watch(entry.run_id)
            st.rerun(scope="app")


def _percent(value):
    return f"{value:.1%}" if value is not None else "-"


def _status_words(entry):
    """The run's status for the table; an ended run with nothing trained says so."""
    return f"{entry.status} (nothing trained)" if entry.empty else entry.status


def _saved_runs():
    """Every run that is not training: a readable name, its status and results (or why its files cannot be read),
    and the curves of one, the newest by default."""
    listed = runs.list_runs(runs_dir())
    saved = [r for r in listed if not r.live]  # runs training are shown, live, above
    training_now = len(saved) < len(listed)
    st.subheader("Saved runs")
    if not saved:
        ended = "The run training now is listed here when it ends." if training_now else "Start one above."
        st.write(f"No saved runs yet. {ended} Every run is saved, finished or not.")
        _runs_folder_caption()
        return
    rows = []
    for r in saved:
        s = r.summary
        rows.append(
            {
                "run": r.name(),
                "started": runs.started_text(r.run_id),
                "status": _status_words(r),
                "val acc": _percent(s.val_accuracy if s else None),
                "test acc": _percent(s.test_accuracy if s else None),
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
    _runs_folder_caption()
    readable = [r for r in saved if r.readable]
    if not readable:
        return
    names = {r.run_id: f"{r.name()} ({runs.started_text(r.run_id)})" for r in readable}
    # Keyed by the newest run: after a new run ends, the choice starts on it, not on the one picked before.
    chosen = st.selectbox(
        "Show the curves of", list(names), format_func=names.get, key=f"saved_run_choice_{readable[0].run_id}"
    )
    entry = next(r for r in readable if r.run_id == chosen)
    try:
        snapshot = run_snapshot(entry)
    except runs.RecordError as exc:  # a record.json edited by hand, or by something else
        st.warning(f"The curves of {as_text(chosen)} cannot be drawn: {as_text(exc)}")
        return
    st.plotly_chart(training_figure(snapshot), width="stretch", key="saved_chart", config=STILL)
    if entry.summary.error:
        st.error(f"This run failed: {as_text(entry.summary.error)}")


def _runs_folder_caption():
    st.caption(f"Runs folder: {as_text(runs_dir())}")


def _will_train(config, n_train):
    """One line saying what Start will train, in words."""
    kind = preset_name(config)
    what = f"the {kind}, an HRNN" if kind in ("quick demo", "original Keras example") else f"a {kind}"
    passes = f"{config.epochs} pass{'' if config.epochs == 1 else 'es'}"
    return (
        f"Start trains {what}: {passes} over {config.train_size or n_train:,} images, {config.optimizer} at "
        f"learning rate {config.learning_rate:g}. Change it under Settings."
    )


def render():
    st.title("Train the hierarchical RNN")
    explain(TRAIN, key="train_how")
    data, error = mnist_or_error()
    if error:
        st.error(f"No training data: {as_text(error)}")
        return
    try:
        max_epochs, max_units = limits.max_epochs(), limits.max_units()
    except ValueError as exc:
        st.error(f"This server's limits are set wrongly: {as_text(exc)}")
        return
    st.caption(f"Data: {data.in_words}", help=as_text(data.source))  # counts in words; the path, as text
    watched_id = _watched_run_id()
    entry = runs.find_run(watched_id, runs_dir()) if watched_id else None
    if watched_id and entry is None:
        st.warning(f"There is no run {as_text(watched_id)} in the runs folder.")
        _unwatch()
    live = entry is not None and entry.live
    if watched_id and not st.query_params.get(WATCH_PARAM) and entry is not None:
        st.query_params[WATCH_PARAM] = watched_id  # back in the URL after a page change dropped it
    n_train = len(data.y_train) - held_out_count(len(data.y_train), DEMO)
    # Start and Stop first, the settings folded below them: on a phone Start is on the first screen, and during
    # and after a run the chart and the verdict come straight after the buttons.
    c1, c2 = st.columns(2)
    start = c1.button("Start training", key="start", type="primary", disabled=live, width="stretch")
    if c2.button("Stop", key="stop", disabled=not live, width="stretch"):
        entry.folder.request_stop()
        st.toast("Stopping after the current batch...")
    will_train = st.empty()
    with st.expander("Settings", icon=":material/tune:"):
        config = _controls(n_train, max_epochs, max_units)
    if not live:
        will_train.caption(_will_train(config, n_train))  # made of checked settings only
    if start:
        try:
            _start(config.check(), data)
        except (ValueError, OSError) as exc:  # a limit, or the runs folder cannot be written
            st.error(as_text(exc))
        else:
            st.rerun()  # redraw at once: Start disabled, the live panel in view
    if entry is not None:
        if live:
            _live_panel(entry.run_id)
            st.caption(f"Run {as_text(entry.run_id)}: the address of this page follows it, from any browser.")
        else:
            snap = _snapshot_or_warning(entry)
            if snap is not None:
                outcome = st.container()  # the result above how it got there, drawn second: scoring the
                _progress_panel(entry, snap)  # shipped model for the verdict takes seconds the first time
                with outcome:
                    _outcome(entry, snap, data)
    _training_now(watched_id)
    _saved_runs()
