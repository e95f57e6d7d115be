"""A class on one server, played at the wire (a script, not a test): issue 34's load client.

Each person is one `StreamSession` (measure/stream_session.py): a websocket on `/_stcore/stream` that sends what a
browser tab sends, so that the people cost the server's machine little (the class's phones and laptops bring their
own CPUs) and what is measured is the server. It starts `streamlit run app.py` on a free loopback port with a fresh
runs folder (as measure/load_class.py, its Chromium twin, does), then people arrive one after another over
`--arrive-over` seconds, the starters first, and each stays `--stay` seconds:

* starters open the Train page, press Start (the default demo), and watch their run; they press Stop as they leave;
* watchers open a run's link (`/?run=<id>`, the runs shared round-robin; `--watch-only` adds `&watch=1`) and only
  receive; the live panel's `st.fragment(run_every=1)` (and the page's other timed fragments) rerun on the
  watcher's own timers, as in a browser;
* drawers open Draw and, again and again: press Clear, spend `--draw-seconds` drawing, and send a stroke as the
  canvas's value (a PNG data URL, what the canvas sends on pen-up).

    python measure/load_client.py --drawers 10 --watchers 18 --starters 2 --json-out /tmp/class30.json

It reports (printed, and in `--json-out`):

* drawing: from the stroke sent to the prediction's element (the `metric`) arriving, and to the run's end; each
  drawer's first stroke (it may load the model) apart; strokes unanswered in `PREDICTION_S`;
* watchers' staleness, sampled every `--sample` s on every watcher: the age of the oldest batch the run's progress
  log had written and the watcher's live chart does not show yet (measure/load_class.py's measure);
* the queue: each run's Start, first batch and wait, in the order pressed;
* the server's CPU seconds and the workers' while the people were there; the server's resident memory before they
  came (after one warm-up visit to Draw and one to Train, closed `--settle` s before), at its peak, as the last
  left, and `--leave-wait` s after (then one more visit, which makes Streamlit drop the closed sessions it keeps 2
  minutes for a reconnect), per session; the workers' at their peak;
* the client's own CPU seconds, per person present (the goal: under 2% of a core each);
* with `--profile`, where the server's CPU went, by function (measure/profile_hook);
* errors: sessions that did not load, errors the pages showed, sockets closed, strokes unanswered. Goal: none.
"""

import argparse
import asyncio
import base64
import io
import json
import os
import re
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from hrnn.bench.machine import cpu_facts, describe  # noqa: E402
from measure.load_class import (  # noqa: E402
    batch_times,
    cpu_by_part,
    kill_all,
    rss_mb,
    staleness,
    summary,
    uptime,
    workers_of,
)
from measure.stream_session import StreamSession  # noqa: E402
from tests.support import server as harness  # noqa: E402

PAGE_LOAD_S = 120  # the first page load imports TensorFlow and loads MNIST
PREDICTION_S = 60  # the first prediction loads the model
START_S = 60  # Start pressed -> the run's id in the address
CANVAS_SIZE = 280
GRACE_S = 240  # past the last person's leaving: Stop, the settle, the kill; then the hard deadline ends it


def drawing(dx):
    """A vertical stroke through the canvas's middle, `dx` px off centre, as the canvas sends it: a PNG data URL of
    white ink on transparent black."""
    image = Image.new("RGBA", (CANVAS_SIZE, CANVAS_SIZE), (0, 0, 0, 0))
    centre = CANVAS_SIZE // 2 + dx
    ImageDraw.Draw(image).line([(centre, 40), (centre, 240)], fill=(255, 255, 255, 255), width=22)
    png = io.BytesIO()
    image.save(png, "PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


STROKES = [drawing(dx) for dx in (-20, 0, 20)]


def last_batch_x(spec):
    """The last x (in epochs) of the per-batch loss trace (meta 'batch_loss') in a plotly figure's JSON, or None
    before the first batch. plotly.py 6 packs arrays as `{"dtype", "bdata"}` (base64)."""
    for trace in json.loads(spec).get("data", []):
        if trace.get("meta") != "batch_loss":
            continue
        xs = trace.get("x")
        if isinstance(xs, dict):
            values = np.frombuffer(base64.b64decode(xs["bdata"]), dtype=np.dtype(xs["dtype"]))
            return float(values[-1]) if len(values) else None
        shown = [x for x in xs or [] if x is not None]
        return float(shown[-1]) if shown else None
    return None


class Class:
    """What the people saw, gathered as they go."""

    def __init__(self, runs_dir):
        self.runs_dir = runs_dir
        self.answered_ms, self.finished_ms, self.first_ms = [], [], []
        self.unanswered, self.errors = [], []
        self.samples = []  # (time.time(), run id, the chart's last x or None), from watchers and starters
        self.run_ids, self.pressed = [], {}  # run id -> time.time() of its Start
        self.run_started = asyncio.Event()
        self.starters = 0
        self.present_s = 0.0  # seconds of people present, summed

    def error(self, who, what):
        self.errors.append(f"{who}: {what}"[:300])
        print(f"ERROR {who}: {what}"[:300], flush=True)


class Drawer:
    """A drawer's session and the time its prediction arrived."""

    def __init__(self):
        self.metric_at = None

    def __call__(self, session, element, key, fragment_id):
        if element.WhichOneof("type") == "metric":
            self.metric_at = time.perf_counter()


class Chart:
    """A watcher's live chart: the last batch it shows."""

    def __init__(self):
        self.last_x = None

    def __call__(self, session, element, key, fragment_id):
        if key == "live_chart":
            self.last_x = last_batch_x(element.plotly_chart.spec)


def canvas_key(session):
    """The newest canvas's key (`canvas-<n>`: Clear gives the canvas a new key)."""
    keys = [key for key in session.widgets if key.startswith("canvas-") and key[7:].isdigit()]
    return max(keys, key=lambda key: int(key[7:])) if keys else None


async def opened(session, who, load):
    """Open the session and wait for its page's first run; False (an error noted) if it did not come."""
    try:
        await session.open()
        await session.wait_finished(0, PAGE_LOAD_S)
        return True
    except Exception as exc:
        load.error(who, f"the page did not load: {type(exc).__name__}: {exc}")
        return False


def memory_parts(pid):
    """`{"anonymous": MB, "file": MB}` of the process's resident memory (/proc/<pid>/status), or None."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = dict(re.findall(r"^(RssAnon|RssFile|RssShmem):\s+(\d+) kB", text, re.M))
    if "RssAnon" not in found or "RssFile" not in found:
        return None
    return {"anonymous": round(int(found["RssAnon"]) / 1024, 1), "file": round(int(found["RssFile"]) / 1024, 1)}


async def draw_strokes(url, load, name, leave, draw_s):
    drawer = Drawer()
    session = StreamSession(url, page="draw", on_element=drawer)
    if not await opened(session, name, load):
        return await session.close()
    count = 0
    while time.monotonic() < leave:
        try:
            if count:
                old = canvas_key(session)
                done = session.runs_finished
                await session.press("clear_canvas")
                await session.wait_finished(done, PREDICTION_S)
                if canvas_key(session) != old:
                    session.forget(old)  # the old canvas is gone from the page, and its value with it
                await asyncio.sleep(0.3)  # as load_class.py's drawer: the page quiet before the next stroke
            await asyncio.sleep(draw_s)  # drawing the stroke
            key = canvas_key(session)
            done, drawer.metric_at = session.runs_finished, None
            sent = time.perf_counter()
            await session.set_state(key, {"drawing": STROKES[count % len(STROKES)]})
            finished = await session.wait_finished(done, PREDICTION_S)
            if drawer.metric_at is None:
                load.unanswered.append(f"{name} stroke {count}: the run ended with no prediction")
            else:
                (load.answered_ms if count else load.first_ms).append(round((drawer.metric_at - sent) * 1000))
                if count:
                    load.finished_ms.append(round((finished - sent) * 1000))
        except (TimeoutError, KeyError) as exc:
            load.unanswered.append(f"{name} stroke {count}: {type(exc).__name__} {exc}")
            print(f"UNANSWERED {load.unanswered[-1]}", flush=True)
        count += 1
    for problem in session.errors:
        load.error(name, problem)
    await session.close()


async def watch_run(url, load, name, index, leave, sample_s, starts, watch_only):
    chart = Chart()
    if starts:
        session = StreamSession(url, on_element=chart)
        if not await opened(session, name, load):
            return await session.close()
        try:
            done = session.runs_finished
            pressed = time.time()
            await session.press("start")
            deadline = time.monotonic() + START_S
            while "run=" not in session.query:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no run in the address {START_S} s after Start")
                await asyncio.sleep(0.1)
            await session.wait_finished(done, PAGE_LOAD_S)
        except Exception as exc:
            load.error(name, f"Start: {type(exc).__name__}: {exc}")
            return await session.close()
        run_id = dict(part.split("=", 1) for part in session.query.split("&"))["run"]
        load.run_ids.append(run_id)
        load.pressed[run_id] = pressed
        print(f"{name} started run {run_id}", flush=True)
        load.run_started.set()
    else:
        try:
            await asyncio.wait_for(load.run_started.wait(), timeout=max(1, leave - time.monotonic()))
        except TimeoutError:
            load.error(name, "no run was started to watch")
            return
        for _ in range(20):  # the other Starts, pressed at about the same time: their ids, for up to 10 s
            if len(load.run_ids) >= load.starters:
                break
            await asyncio.sleep(0.5)
        run_id = load.run_ids[index % len(load.run_ids)]
        query = f"run={run_id}" + ("&watch=1" if watch_only else "")
        session = StreamSession(url, query=query, on_element=chart)
        if not await opened(session, name, load):
            return await session.close()
    while time.monotonic() < leave:
        await asyncio.sleep(min(sample_s, max(0.0, leave - time.monotonic())))
        load.samples.append((time.time(), run_id, chart.last_x))
    if starts and "stop" in session.widgets:
        done = session.runs_finished
        await session.press("stop")
        try:
            await session.wait_finished(done, 20)
        except TimeoutError:
            load.error(name, "Stop was not answered")
    for problem in session.errors:
        load.error(name, problem)
    await session.close()


async def warm_up(url, load):
    """One visit to Draw (a stroke read) and one to Train, then closed: TensorFlow, the data and the model loaded,
    as on a server that has served someone already. The class's memory is measured from there."""
    drawer = Drawer()
    session = StreamSession(url, page="draw", on_element=drawer)
    if await opened(session, "warm-up", load):
        done = session.runs_finished
        await session.set_state(canvas_key(session), {"drawing": STROKES[1]})
        await session.wait_finished(done, PREDICTION_S)
    await session.close()
    session = StreamSession(url)
    await opened(session, "warm-up", load)
    await session.close()


async def sweep(url, load):
    """One visit to Draw, closed at once. Streamlit keeps a closed session for a reconnect (2 minutes, its
    `MemorySessionStorage`) and drops the expired ones only when it stores another: this visit makes it."""
    session = StreamSession(url, page="draw")
    await opened(session, "sweep", load)
    await session.close()


async def sample_server(server_pid, load, memory, workers_mb, cpu, until):
    """Every 5 s: the server's RSS, the workers' together, and each process's CPU (so that an ended run counts)."""
    while not until.is_set():
        memory.append(rss_mb(server_pid))
        workers_mb.append(round(sum(rss_mb(pid) or 0 for pid in workers_of(load.runs_dir)), 1))
        cpu_by_part(server_pid, load.runs_dir, cpu)
        try:
            await asyncio.wait_for(until.wait(), 5)
        except TimeoutError:
            pass


async def run_class(url, args, load, server_pid):
    if args.warm_up:
        await warm_up(url, load)
        await asyncio.sleep(args.settle)
    people = args.drawers + args.watchers + args.starters
    order = [("starter", i) for i in range(args.starters)]
    for i in range(max(args.drawers, args.watchers)):
        order += [("drawer", i)] if i < args.drawers else []
        order += [("watcher", i)] if i < args.watchers else []
    begin = time.monotonic()
    tasks = []
    for rank, (kind, i) in enumerate(order):
        arrive = begin + args.arrive_over * rank / max(people, 1)
        leave = arrive + args.stay
        load.present_s += args.stay

        async def person(kind=kind, i=i, arrive=arrive, leave=leave):
            await asyncio.sleep(max(0.0, arrive - time.monotonic()))
            if kind == "drawer":
                await draw_strokes(url, load, f"drawer {i}", leave, args.draw_seconds)
            else:
                index = i if kind == "starter" else args.starters + i
                name = f"{kind} {i}"
                await watch_run(url, load, name, index, leave, args.sample, kind == "starter", args.watch_only)

        tasks.append(person())
    memory, workers_mb, last_seen = [rss_mb(server_pid)], [], {}
    parts_before = memory_parts(server_pid)
    cpu_start = cpu_by_part(server_pid, load.runs_dir, dict(last_seen))
    client_start = resource.getrusage(resource.RUSAGE_SELF)
    until = asyncio.Event()
    sampler = asyncio.get_running_loop().create_task(
        sample_server(server_pid, load, memory, workers_mb, last_seen, until)
    )
    results = await asyncio.gather(*tasks, return_exceptions=True)
    client_end = resource.getrusage(resource.RUSAGE_SELF)
    cpu_end = cpu_by_part(server_pid, load.runs_dir, last_seen)
    at_end = rss_mb(server_pid)
    window_s = round(time.monotonic() - begin, 1)
    until.set()
    await sampler
    for result in results:
        if isinstance(result, BaseException):
            load.error("script", f"{type(result).__name__}: {result}")
    await asyncio.sleep(args.leave_wait)
    await sweep(url, load)  # Streamlit keeps a closed session 2 minutes for a reconnect; a new one expires them
    await asyncio.sleep(5)
    client_s = (client_end.ru_utime + client_end.ru_stime) - (client_start.ru_utime + client_start.ru_stime)
    return {
        "window_s": window_s,
        "server_rss_mb": {
            "before": memory[0],  # after the warm-up's two visits had left
            "peak": max(m for m in memory if m),
            "as_the_last_left": at_end,
            f"after_leaving_{args.leave_wait:.0f}s": rss_mb(server_pid),
        },
        # Anonymous memory (the heap: Python's objects, arrays, TensorFlow's buffers) and file pages (the libraries'
        # code as it is used, which the kernel can drop): which of the two the class left behind.
        "server_memory_parts_mb": {"before": parts_before, "after": memory_parts(server_pid)},
        "workers_peak_rss_mb": max(workers_mb, default=None),
        "cpu_seconds": {part: round(cpu_end[part] - cpu_start[part], 1) for part in ("server", "workers")},
        "client_cpu_s": round(client_s, 1),
        "client_core_share_per_person": round(client_s / load.present_s, 5) if load.present_s else None,
    }


def profile_summary(path, most=20):
    """The server's CPU by function, from the profile hook's stacks (measure/profile_hook): the functions that used
    the most CPU themselves (the leaf of a stack), and those that used the most with what they called, as shares of
    all the CPU sampled."""
    leaf, inclusive, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, micros = line.rpartition(" ")
        frames, used = stack.split(";"), int(micros)
        total += used
        leaf[frames[-1]] += used
        for frame in set(frames):
            inclusive[frame] += used
    top = {
        kind: [(name, round(used / total, 3)) for name, used in counts.most_common(most)]
        for kind, counts in (("self", leaf), ("inclusive", inclusive))
    }
    return {"cpu_sampled_s": round(total / 1e6, 1), **top}


def queue(load):
    """Each run in the order its Start was pressed: when (s after the first Start), its first batch, its wait."""
    rows, first = [], min(load.pressed.values(), default=0)
    for run_id in sorted(load.pressed, key=load.pressed.get):
        path = load.runs_dir / run_id / "progress.jsonl"
        batches = batch_times(path)[0] if path.is_file() else []
        began = batches[0][1] if batches else None
        rows.append(
            {
                "run": run_id,
                "start_pressed_s": round(load.pressed[run_id] - first, 1),
                "first_batch_s": None if began is None else round(began - first, 1),
                "wait_s": None if began is None else round(began - load.pressed[run_id], 1),
                "batches": len(batches),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawers", type=int, default=10)
    parser.add_argument("--watchers", type=int, default=18, help="besides the starters")
    parser.add_argument("--starters", type=int, default=2, help="people who press Start, then watch their run")
    parser.add_argument("--stay", type=float, default=300.0, help="seconds each person stays")
    parser.add_argument("--arrive-over", type=float, default=60.0, help="seconds over which the people arrive")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between a watcher's looks at its chart")
    parser.add_argument("--draw-seconds", type=float, default=1.0, help="a stroke's drawing, before pen-up")
    parser.add_argument("--watch-only", action="store_true", help="watchers open watch-only links (&watch=1)")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds after the warm-up before the class")
    parser.add_argument(
        "--leave-wait",
        type=float,
        default=130.0,
        help="seconds after everyone left before the memory is read (Streamlit keeps closed sessions 2 minutes)",
    )
    parser.add_argument(
        "--warm-up",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="visit Draw and Train once before the class (--no-warm-up: the class's first people load TensorFlow, "
        "the data and the model, as in measure/load_class.py)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="after the class has left, the same class once more on the same server (its memory reported apart)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the server's CPU by Python stack (measure/profile_hook) and report where it went",
    )
    parser.add_argument("--out", help="a folder for the server's runs and log (default: a new temporary one)")
    parser.add_argument("--json-out", help="also write the report here")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the server")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    out = Path(args.out or tempfile.mkdtemp(prefix="hrnn-wire-class-"))
    out.mkdir(parents=True, exist_ok=True)
    profile = (out / "server-profile.txt").resolve()
    if args.profile:
        hook = Path(__file__).resolve().parent / "profile_hook"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
        env["HRNN_PROFILE_OUT"] = str(profile)
    runs_dir = (out / "runs").resolve()

    def hard_stop():  # the last resort: the server and the workers are killed, the script ends
        print("hard deadline reached: killing the server and the workers", flush=True)
        kill_all(workers_of(runs_dir) + ([server.process.pid] if server.process else []))
        os._exit(3)

    most = args.arrive_over + args.stay + args.settle + args.leave_wait + PAGE_LOAD_S + GRACE_S
    most *= 2 if args.again else 1
    most += harness.SERVER_START_SECONDS
    timer = threading.Timer(most, hard_stop)
    timer.daemon = True
    timer.start()
    report = {
        "machine": describe(cpu_facts()),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "uptime_before": uptime(),
        "people": {"drawers": args.drawers, "watchers": args.watchers, "starters": args.starters},
        "stay_s": args.stay,
        "arrive_over_s": args.arrive_over,
        "warm_up": args.warm_up,
        "server_env": env,
    }
    print(f"{report['machine']}; {report['date']}; {report['uptime_before']}; runs folder {runs_dir}", flush=True)
    server = harness.Server(out, warm_spare=True, **env).start()
    load = Class(runs_dir)
    load.starters = args.starters
    try:
        figures = asyncio.run(run_class(server.url, args, load, server.process.pid))
        if args.again:  # the same class once more on the same server: does the server come back to where it was?
            again = Class(runs_dir)
            again.starters = args.starters
            later = asyncio.run(
                run_class(server.url, argparse.Namespace(**{**vars(args), "warm_up": False}), again, server.process.pid)
            )
            report["again"] = {
                "server_rss_mb": later["server_rss_mb"],
                "server_memory_parts_mb": later["server_memory_parts_mb"],
                "strokes_answered": len(again.answered_ms),
                "errors": again.errors,
                "unanswered": again.unanswered,
            }
    finally:
        server.stop()
        time.sleep(2)
        kill_all(workers_of(runs_dir))
    ages, batches = staleness(load.samples, runs_dir)
    sessions = args.drawers + args.watchers + args.starters
    rss = figures["server_rss_mb"]
    report.update(
        figures,
        uptime_after=uptime(),
        drawing_answered_ms=summary(load.answered_ms),
        drawing_finished_ms=summary(load.finished_ms),
        first_stroke_ms=summary(load.first_ms),
        staleness_s=summary(ages),
        watcher_samples=len(load.samples),
        queue=queue(load),
        runs={run: {"batches": n} for run, n in batches.items()},
        server_rss_per_session_mb=round((rss["peak"] - rss["before"]) / sessions, 2) if sessions else None,
        unanswered=load.unanswered,
        errors=load.errors,
        server_log=str(server.log_path),
    )
    if args.profile and profile.is_file():
        report["server_profile"] = {"stacks": str(profile), **profile_summary(profile)}
    timer.cancel()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    sys.exit(1 if load.errors or load.unanswered else 0)


if __name__ == "__main__":
    main()
