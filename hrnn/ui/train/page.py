"""Train page: configure a run, start it, watch it learn live (curves, a grid of held-out digits, and the inside of
the network for one of them: `hrnn.ui.train.inside_view`), stop it, see the verdict, replay the run and try the model
on Draw; every run of the runs folder, training or saved.

The page holds no run. A run is a worker process writing its folder (`hrnn.runs.store.records`), and the page watches
the run named in its URL (`?run=<id>`): a refresh, a second tab, another browser and a restarted server all find it
again, live, with its curves from the first batch. Only the browser that started a run may stop it
(`hrnn.ui.common.ownership`); anyone else who opens its link watches it and may start a run of their own (`&watch=1`:
watching only, no Start).
Each browser watches the run it started; other runs training are listed, and one click watches one of them.
"""

import errno

import streamlit as st

from hrnn import runs, settings
from hrnn.data.splits import held_out_count
from hrnn.runs.launch.launcher import LaunchError
from hrnn.train import limits
from hrnn.train.config import DEMO
from hrnn.ui.common import ownership
from hrnn.ui.common.explainers import TRAIN, TRAIN_SETTINGS_NOTE, explain
from hrnn.ui.common.figures import STILL
from hrnn.ui.common.lesson_link import say_ignored, share_box
from hrnn.ui.common.resources import (
    launcher_problem,
    mnist_or_error,
    run_progress_problem,
    run_snapshot,
    runs_dir,
    start_run,
)
from hrnn.ui.common.scores import score_reference_soon
from hrnn.ui.common.text import as_text
from hrnn.ui.train import crowd, inside_view, session_runs
from hrnn.ui.train import link as train_link
from hrnn.ui.train.live_figure import live_figure
from hrnn.ui.train.live_grid import live_grid
from hrnn.ui.train.outcome import outcome
from hrnn.ui.train.run_list import saved_runs, training_now
from hrnn.ui.train.settings import config_from_widgets, controls, init_settings, will_train
from hrnn.ui.train.status_text import status_text
from hrnn.ui.train.watching import WATCH_PARAM, unwatch, watch, watched_run_id
from hrnn.words import data_words

CHART_HEIGHT = 370  # px: with the buttons and progress bar above it, the chart fits a 1440 x 900 screen


def _digit_grid(run_id, snap):
    if not snap.grid_images:
        return
    st.markdown("**The twenty grid digits, read by the model as it learns** (green: right, red: wrong)")
    st.image(live_grid(run_id, snap), width="stretch", output_format="PNG")  # PNG: sent as they are
    if snap.grid_predictions:
        st.caption(
            f"It reads {snap.grid_correct} of {len(snap.grid_labels)} right after {snap.grid_samples:,} images. "
            "It has never trained on these digits."
        )
    else:
        st.caption("Each digit shows what the model reads once the first batch is done.")


def _metric_pair(key):
    """A row of two metrics that stays a row on a phone (Streamlit's columns stack one under another there); its
    halves are equal (hrnn.ui.common.style), so the rows' metrics line up."""
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
            f"{last.accuracy:.1%}",
            help="The average over the last epoch's batches, while the model was still learning.",
        )
        if last.val_accuracy is not None:
            st.metric(
                "Validation accuracy",
                f"{last.val_accuracy:.1%}",
                help="On the validation digits, held out and never trained on, with the model as it is at the end of "
                "the epoch.",
            )
        else:
            st.empty()  # keeps the first metric to half the row, as above
    if last.val_accuracy is not None and last.val_accuracy > last.accuracy:
        st.caption(
            "Why is validation higher? Training accuracy averages the whole epoch, early batches included, while "
            "validation reads with the end-of-epoch model, which has learned more."
        )


def _snapshot_or_warning(entry):
    """The run's snapshot, or None; one warning line when its progress cannot be read, or part of it."""
    try:
        snap = run_snapshot(entry)
    except runs.RecordError as exc:
        st.warning(f"The progress of this run cannot be read: {as_text(exc)}")
        return None
    problem = run_progress_problem(entry)
    if problem is not None:
        st.warning(f"Part of the progress of this run cannot be read: {as_text(problem)}")
    return snap


def _progress_panel(entry, snap, owner):
    """The run's progress bar, then its curves and, under them, its inside (`inside_view`) beside its figures, the
    digit grid and the watched digit's probabilities (`snap`: its progress; `owner`: whether this browser started
    it). On a phone the columns stack: the curves, the inside, then the rest."""
    done = snap.samples_seen / snap.samples_total if snap.samples_total else 0.0
    st.progress(min(done, 1.0), text=status_text(entry, snap, owner))
    chart, side = st.columns([3, 2], gap="medium")
    with chart:
        figure = live_figure(entry.run_id, snap, CHART_HEIGHT, live=entry.active)
        st.plotly_chart(figure, width="stretch", key="live_chart", config=STILL)
        # Under the curves, where the inside view goes: a line on the snapshots (none yet, none kept, a bad address),
        # so that the curves stay where they are on the first screen.
        moment = inside_view.moment_of(entry)
        if moment is not None:
            inside_view.heatmap(moment)
            inside_view.replay(moment)
    with side:
        _metrics(snap)
        if moment is not None:
            inside_view.grid_and_probabilities(moment, snap.grid_images)
        else:
            _digit_grid(entry.run_id, snap)


def _page_outdated(entry, drawn_queued):
    """Whether the page around the live panel, drawn while the run was queued (`drawn_queued`) or not, no longer
    fits it: the run ended (the verdict, Start enabled again), or it left the line or went back to it (Stop reads
    Cancel only while the run is queued)."""
    return entry is None or not entry.active or (entry.status == "queued") != drawn_queued


def _live_panel(run_id, drawn_queued, owner):
    """The watched run's panel, a fragment that redraws itself every `crowd.refresh_seconds()` (every second unless
    a crowd watches): the interval is the fragment's own, set when the page is drawn."""
    every = crowd.refresh_seconds()
    st.fragment(_live_panel_now, run_every=every)(run_id, drawn_queued, owner, every)


def _live_panel_now(run_id, drawn_queued, owner, every):
    entry = runs.find_run(run_id, runs_dir())
    snap = _snapshot_or_warning(entry) if entry is not None else None
    if snap is not None:
        _progress_panel(entry, snap, owner)
    if _page_outdated(entry, drawn_queued) or crowd.refresh_seconds() != every:
        st.rerun(scope="app")  # redraw the whole page: the buttons above, the verdict, the panel's new interval


def _cannot_train_text(exc):
    """Why Start could not make the run's folder (`exc`, an OSError), in one line without the server's paths."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "Cannot train here: the runs folder is read-only"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "Cannot train here: the runs folder's disk is full"
    return f"Cannot train here: the runs folder cannot be written ({as_text(exc.strerror or type(exc).__name__)})"


def _start(config, data):
    """Start `config` for this session unless this server's limits refuse it (ValueError, one line): its epochs
    and units (`HRNN_MAX_EPOCHS`, `HRNN_MAX_UNITS`) and the runs folder's size (`HRNN_RUNS_DISK_MB`); or
    `session_runs.TooManyRuns` when the session holds `HRNN_MAX_RUNS_PER_SESSION` runs. Beyond what trains at once
    (`run_capacity`), it queues."""
    limits.check_app_config(config)
    limits.check_runs_disk(runs_dir())
    session_runs.check_room()
    run_id = start_run(config, data, owner=ownership.browser_key(create=True))
    watch(run_id)
    if config.test_limit != 0:
        score_reference_soon(data.spec, config.test_limit, config.seed)  # ready for the verdict


def render():
    st.title("Train the hierarchical RNN")
    # A teacher's link hides the settings: its explanation says nothing of them.
    explain(TRAIN, key="train_how", more="" if train_link.teacher_mode() else TRAIN_SETTINGS_NOTE)
    data, error = mnist_or_error()
    if error:
        st.error(f"No training data: {as_text(error)}")
        return
    problems = settings.problems()  # every HRNN_* limit: a wrong one is one line here, and nothing trains
    if problems:
        st.error(f"This server's limits are set wrongly: {as_text('; '.join(problems))}")
        return
    max_epochs, max_units = settings.max_epochs(), settings.max_units()
    st.caption(f"Data: {data_words(data)}", help=as_text(data.source))  # counts in words; the path, as text
    problem = launcher_problem()
    if problem:
        st.warning(f"{as_text(problem)}. Runs train on this machine.")
    n_train = len(data.y_train) - held_out_count(len(data.y_train), DEMO)
    teacher, ignored = train_link.apply(n_train, max_epochs, max_units)  # a lesson link's settings
    watching_only = train_link.watching_only()
    watched_id = watched_run_id()
    entry = runs.find_run(watched_id, runs_dir()) if watched_id else None
    if watched_id and entry is None:
        ignored.append(f"there is no run {watched_id} in the runs folder")
        unwatch()
    say_ignored(ignored)
    live = entry is not None and entry.active  # training, queued, or not responding (Stop ends it)
    owner = entry is not None and ownership.owns(entry)  # this browser started it: Stop is its own
    ownership.remember_in_browser()
    if watched_id and not st.query_params.get(WATCH_PARAM) and entry is not None:
        st.query_params[WATCH_PARAM] = watched_id  # back in the URL after a page change dropped it
    if watching_only:
        _watch_only(entry, data)
        return
    # Start and Stop first, the settings folded below them: on a phone Start is on the first screen, and during
    # and after a run the chart and the verdict come straight after the buttons. Someone else's run is watched
    # only: no Stop, and Start starts a run of one's own.
    c1, c2 = st.columns(2)
    start = c1.button("Start training", key="start", type="primary", disabled=live and owner, width="stretch")
    queued = live and entry.status == "queued"  # not training yet: Stop takes it out of the line
    if live and not owner:
        c2.caption(
            "You are watching someone else's run: only the browser that started it can stop it. "
            "Start trains a run of your own."
        )
    elif c2.button("Cancel" if queued else "Stop", key="stop", disabled=not live, width="stretch"):
        sent = entry.stop(by=runs.STOPPED_BY_OWNER)
        if queued:
            st.toast("Cancelled: it leaves the line and will not start.")
        elif sent == "SIGKILL":
            st.toast("Ended its worker at once: the model of its last finished epoch, if any, is kept.")
        elif sent:
            st.toast("Its worker was not responding: asked it to resume, save and end.")
        else:
            st.toast("Stopping after the current batch...")
    plan = st.empty()
    if teacher:  # the link's settings, not shown: Start and the result only
        init_settings(n_train, max_epochs, max_units)
        config = config_from_widgets(n_train)
    else:
        with st.expander("Settings", icon=":material/tune:"):
            config = controls(n_train, max_epochs, max_units)
    train_link.write(config, n_train, max_epochs, max_units, teacher)
    if not live:
        held_out = held_out_count(len(data.y_train), config)
        plan.caption(will_train(config, n_train, held_out, changeable=not teacher))  # made of checked settings only
    if start:
        try:
            _start(limits.check_fits_machine(config.check()), data)
        except session_runs.TooManyRuns as exc:  # HRNN_MAX_RUNS_PER_SESSION
            session_runs.offer_held(exc)
        except ValueError as exc:  # a limit
            st.error(as_text(exc))
        except LaunchError as exc:  # Ray did not take it
            st.error(f"Cannot start the run: {as_text(exc)}")
        except OSError as exc:  # the runs folder cannot be written
            st.error(_cannot_train_text(exc))
        else:
            st.rerun()  # redraw at once: Start disabled, the live panel in view
    if entry is not None:
        _run_panel(entry, data, owner)
    if not teacher:
        training_now(watched_id)
        saved_runs(shown_above=entry.run_id if entry is not None else None)
    share_box(
        "these settings (and the run watched)" if not teacher else "this lesson: Start and the result",
        watch_only=train_link.watch_only_link(entry.run_id) if entry is not None else None,
    )


def _run_panel(entry, data, owner):
    """The watched run: live while it trains (its panel redraws itself), else its outcome above its curves."""
    if entry.active:
        _live_panel(entry.run_id, entry.status == "queued", owner)
        follows = "from any browser" if owner else "for anyone who opens it"
        st.caption(f"Run {as_text(entry.run_id)}: the address of this page follows it, {follows}.")
        return
    snap = _snapshot_or_warning(entry)
    if snap is not None:
        result = st.container()  # the result above how it got there, drawn second: scoring the
        _progress_panel(entry, snap, owner)  # shipped model for the verdict takes seconds the first time
        with result:
            outcome(entry, snap, data, owner)


def _watch_only(entry, data):
    """A watch-only link's page (`&watch=1`): the run, live or ended, and nothing to press."""
    if entry is None:
        st.info("This link watches a run, and names none that is here. Open the Train page to start one.")
        return
    if entry.active:
        st.caption("You are watching a run: only the browser that started it can stop it.")
    else:
        st.caption("You are watching a run that has ended.")
    _run_panel(entry, data, owner=False)
