"""A class on one server, in real browsers (a script, not a test): issue 20's load measurement.

Starts `streamlit run app.py` on a free loopback port with a fresh runs folder, then opens, in one Chromium, one
browser context per person, all at once: `--drawers` draw strokes on the Draw page again and again, `--watchers`
watch runs on the Train page, and `--runs` of those watchers press Start (the default quick demo) while the others
open the runs' links (`?run=<id>`, shared round-robin). After `--minutes` it presses Stop on the runs and ends
everything it started (browser, server, the runs' workers); a hard deadline a few minutes later kills whatever is
left, so it cannot hang.

    python measure/load_class.py --json-out /tmp/class.json    # 10 drawers, 20 watchers, 2 runs, 3 minutes

It reports (printed, and in `--json-out`):

* drawers: pen-up -> prediction per stroke, timed inside the page as `measure_draw.py` does; each drawer's first
  stroke (it may load the model) is counted apart;
* watchers: staleness, sampled every `--sample` seconds on every watcher page: the age of the oldest batch that the
  run's progress log had written by then (its own timestamp) and the page's live chart does not show yet (0 when the
  chart shows the log's last batch). The chart's last point is read from plotly's data, the log after the run;
* the server process's resident memory (VmRSS) before the browsers open, at its peak and at the end, and the runs'
  workers' together at the end;
* where the two cores went: CPU seconds used by the server, the runs' workers and the browser while the
  sessions ran (on one machine the browser, standing in for 30 people's own devices, competes with the server);
* errors: page exceptions, Streamlit error elements (exceptions, `st.error`), strokes that failed or timed out,
  pages that did not load. Goal: none.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import async_playwright  # noqa: E402

from hrnn.bench.machine import cpu_facts, describe  # noqa: E402
from tests.support import server as harness  # noqa: E402
from tests.support.browser import CANVAS, PAGE_LOAD_MS, PEN_WATCH, PREDICTION_MS, percentile  # noqa: E402

# The watched run's newest batch on the live chart: the last x (in epochs) of its per-batch loss trace.
CHART_LAST_X = """() => {
    const graph = document.querySelector('.st-key-live_chart .js-plotly-plot');
    const trace = (graph?._fullData || []).find(t => t.meta === 'batch_loss');
    const last = trace && trace.x.length ? trace.x[trace.x.length - 1] : null;  // null before the first batch
    return last === null ? null : Number(last);
}"""
# Streamlit's error elements: an exception shown in the page, or an st.error.
ERROR_TEXTS = """() => [...document.querySelectorAll('[data-testid=stException], [data-testid=stAlertContentError]')]
    .map(e => e.innerText.slice(0, 200))"""
QUIET = """quietMs => {
    const state = document.querySelector('[data-testid=stApp]')?.dataset.testScriptState;
    if (state !== 'notRunning') { window.__quietSince = undefined; return false; }
    window.__quietSince ??= performance.now();
    return performance.now() - window.__quietSince >= quietMs;
}"""
GRACE_S = 240  # after --minutes: Stop, closing and the kill; past it the hard deadline ends the process


def summary(values):
    return {
        "count": len(values),
        "median": statistics.median(values) if values else None,
        "p90": percentile(values, 0.9),
        "max": max(values) if values else None,
    }


def rss_mb(pid):
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return round(int(found.group(1)) / 1024, 1) if found else None


def workers_of(runs_dir):
    """Pids of the processes serving `runs_dir` (the server's workers and spare), found by their environment."""
    mark = f"HRNN_RUNS_DIR={runs_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if mark in environ.split(b"\0") and b"worker" in cmdline:
            found.append(int(proc.name))
    return found


def descendants(pid):
    children = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids):
    """User plus system CPU seconds that the processes `pids` have used so far (those that ended count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return round(total / tick, 1)


def cpu_by_part(server_pid, runs_dir, last_seen):
    """CPU seconds used so far by the server, the runs' workers and the browser (with Playwright's driver).
    `last_seen` ({pid: (part, seconds)}) keeps each process's last reading, so that one that has ended (a run that
    finished) still counts what it used."""
    workers = set(workers_of(runs_dir))
    ours = set(descendants(os.getpid())) - {server_pid} - set(descendants(server_pid))
    for part, pids in (("server", [server_pid]), ("workers", workers), ("browser", ours - workers)):
        for pid in pids:
            used = cpu_seconds([pid])
            if used or pid not in last_seen:
                last_seen[pid] = (part, used)
    totals = {"server": 0.0, "workers": 0.0, "browser": 0.0}
    for part, used in last_seen.values():
        totals[part] += used
    return {part: round(used, 1) for part, used in totals.items()}


def renice(pids, nice):
    """Lower the CPU priority of `pids`, every thread of each (Linux keeps a niceness per thread), to `nice` (raising
    a niceness needs no rights); ended ones are skipped."""
    for pid in pids:
        try:
            threads = [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        for thread in threads:
            try:
                os.setpriority(os.PRIO_PROCESS, thread, nice)
            except OSError:
                pass


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class Load:
    """What the sessions saw, gathered as they run."""

    def __init__(self, deadline, shots):
        self.deadline, self.shots = deadline, shots  # shots: a folder for screenshots of failed sessions
        self.strokes, self.first_strokes = [], []
        self.failed_strokes, self.errors, self.cut_strokes = [], [], 0
        self.samples = []  # (time.time(), run id, chart's last x or None), from watchers
        self.run_ids = []
        self.run_started = asyncio.Event()

    def left_ms(self, most):
        return max(1, min(most, (self.deadline - time.monotonic()) * 1000))

    def over(self):
        return time.monotonic() >= self.deadline

    def error(self, who, what):
        self.errors.append(f"{who}: {what}"[:300])
        print(f"ERROR {who}: {what}"[:300], flush=True)

    async def check_page(self, page, who, seen):
        for text in await page.evaluate(ERROR_TEXTS):
            if text not in seen:
                seen.add(text)
                self.error(who, f"error element: {text}")


async def wait_quiet(page, load, quiet_ms):
    await page.evaluate("window.__quietSince = undefined")
    await page.wait_for_function(QUIET, arg=quiet_ms, timeout=load.left_ms(PAGE_LOAD_MS))


async def stroke(page, dx):
    """A vertical mouse stroke through the middle of the canvas (as `pages.draw_vertical_stroke`)."""
    canvas = page.locator(CANVAS)
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    x = box["x"] + box["width"] / 2 + dx
    top, bottom = box["y"] + 40 * box["height"] / 280, box["y"] + 240 * box["height"] / 280
    await page.mouse.move(x, top)
    await page.mouse.down()
    for i in range(1, 41):
        await page.mouse.move(x, top + (bottom - top) * i / 40)
    await page.mouse.up()


async def drawer(context, url, load, name, arrive_s):
    await asyncio.sleep(arrive_s)
    page = await context.new_page()
    seen = set()
    page.on("pageerror", lambda exc: load.error(name, f"page exception: {exc}"))
    step = "page"
    try:
        await page.goto(f"{url}/draw", timeout=load.left_ms(PAGE_LOAD_MS))
        step = "canvas"
        await page.locator(CANVAS).wait_for(timeout=load.left_ms(PAGE_LOAD_MS))
        step = "script idle for 1 s"
        await wait_quiet(page, load, 1000)
    except Exception as exc:  # a session that never got going is an error, deadline or not
        load.error(name, f"Draw did not load (waiting for the {step}): {type(exc).__name__}")
        await page.screenshot(path=str(load.shots / f"{name.replace(' ', '-')}.png"), full_page=True)
        return
    count = 0
    while not load.over():
        try:
            if count:
                await page.get_by_role("button", name="Clear").click(timeout=load.left_ms(PAGE_LOAD_MS))
                await page.wait_for_function(
                    "() => !document.querySelector('[data-testid=stMetricValue]')", timeout=load.left_ms(PAGE_LOAD_MS)
                )
                await wait_quiet(page, load, 300)
            await page.evaluate(PEN_WATCH)
            await stroke(page, (count % 3 - 1) * 20)
            await page.wait_for_function(
                "() => window.__pen.shown !== null", polling="raf", timeout=load.left_ms(PREDICTION_MS)
            )
            up, shown = await page.evaluate("[window.__pen.up, window.__pen.shown]")
            (load.strokes if count else load.first_strokes).append(round(shown - up))
        except Exception as exc:
            if load.over():
                load.cut_strokes += 1  # in flight at the deadline: counted apart, not as a failure
                break
            load.failed_strokes.append(f"{name} stroke {count}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            print(f"FAILED {load.failed_strokes[-1]}"[:300], flush=True)
        count += 1
        await load.check_page(page, name, seen)


async def watcher(context, url, load, name, starts, index, sample_s, arrive_s):
    await asyncio.sleep(arrive_s)
    page = await context.new_page()
    seen = set()
    page.on("pageerror", lambda exc: load.error(name, f"page exception: {exc}"))
    try:
        await page.goto(f"{url}/", timeout=load.left_ms(PAGE_LOAD_MS))
        heading = page.get_by_role("heading", name="Train the hierarchical RNN")
        await heading.wait_for(timeout=load.left_ms(PAGE_LOAD_MS))
        if starts:
            await wait_quiet(page, load, 1000)
            await page.get_by_role("button", name="Start training").click(timeout=load.left_ms(PAGE_LOAD_MS))
            await page.wait_for_function("() => /[?&]run=/.test(location.search)", timeout=load.left_ms(PAGE_LOAD_MS))
            run_id = await page.evaluate("() => new URLSearchParams(location.search).get('run')")
            load.run_ids.append(run_id)
            print(f"{name} started run {run_id}", flush=True)
            load.run_started.set()
        else:
            await asyncio.wait_for(load.run_started.wait(), timeout=max(1, load.deadline - time.monotonic()))
            for _ in range(20):  # the other Starts, pressed at about the same time: their ids, for up to 10 s
                if len(load.run_ids) >= load.runs_expected:
                    break
                await asyncio.sleep(0.5)
            run_id = load.run_ids[index % len(load.run_ids)]
            await page.goto(f"{url}/?run={run_id}", timeout=load.left_ms(PAGE_LOAD_MS))
    except Exception as exc:  # a session that never got going is an error, deadline or not
        load.error(name, f"Train did not load or start: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        await page.screenshot(path=str(load.shots / f"{name.replace(' ', '-')}.png"), full_page=True)
        return page if starts else None
    while not load.over():
        await asyncio.sleep(sample_s)
        try:
            load.samples.append((time.time(), run_id, await page.evaluate(CHART_LAST_X)))
            await load.check_page(page, name, seen)
        except Exception as exc:
            if not load.over():
                load.error(name, f"cannot read the page: {type(exc).__name__}")
    return page if starts else None


def batch_times(log_path):
    """[(step, time written)] of the run's batches, and its steps per epoch, from its progress log."""
    batches, per_epoch = [], None
    for line in log_path.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        per_epoch = event.get("u", {}).get("steps_per_epoch", per_epoch)
        if "b" in event:
            batches.append((event["b"][0], event["t"]))
    return batches, per_epoch


def staleness(samples, runs_dir):
    """Each sample's age of the oldest logged batch that its chart did not show yet (seconds; 0 when up to date),
    over samples taken once the run's log had a batch."""
    logs = {}
    for run_id in {run for _, run, _ in samples}:
        path = runs_dir / run_id / "progress.jsonl"
        logs[run_id] = batch_times(path) if path.is_file() else ([], None)
    ages = []
    for when, run_id, last_x in samples:
        batches, per_epoch = logs[run_id]
        written = [(step, t) for step, t in batches if t <= when]
        if not written or not per_epoch:
            continue
        shown = -1 if last_x is None else round(last_x * per_epoch)
        missing = [t for step, t in written if step > shown]
        ages.append(round(when - missing[0], 2) if missing else 0.0)
    return ages, {run: len(batches) for run, (batches, _) in logs.items()}


async def run_class(url, args, load, server_pid, memory, cpu):
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS)
        server_side = {server_pid, *descendants(server_pid)}
        if args.browser_nice:  # the browser, zygote included, so that the renderers it forks inherit it
            renice(set(descendants(os.getpid())) - server_side, args.browser_nice)
        contexts = [await browser.new_context(viewport=harness.VIEWPORT) for _ in range(args.drawers + args.watchers)]
        people = args.drawers + args.watchers
        # People arrive one after another over --arrive-over seconds, the runs' starters first, then drawers and
        # watchers taking turns.
        drawers = [args.watchers + i for i in range(args.drawers)]  # contexts: watchers first, then drawers
        others = list(range(args.runs, args.watchers))
        order = list(range(args.runs))
        for i in range(max(len(drawers), len(others))):
            order += drawers[i : i + 1] + others[i : i + 1]
        arrival = {person: args.arrive_over * rank / max(people, 1) for rank, person in enumerate(order)}
        tasks = [
            drawer(contexts[args.watchers + i], url, load, f"drawer {i}", arrival[args.watchers + i])
            for i in range(args.drawers)
        ]
        tasks += [
            watcher(contexts[i], url, load, f"watcher {i}", i < args.runs, i, args.sample, arrival[i])
            for i in range(args.watchers)
        ]

        async def sample_memory():
            while not load.over():
                memory.append(rss_mb(server_pid))
                cpu_by_part(server_pid, load.runs_dir, last_seen)  # the last reading of each process, kept
                if args.browser_nice:  # the renderers of pages opened since
                    browser_side = set(descendants(os.getpid())) - server_side - set(descendants(server_pid))
                    renice(browser_side, args.browser_nice)
                await asyncio.sleep(5)

        last_seen = {}
        cpu["start"] = cpu_by_part(server_pid, load.runs_dir, dict(last_seen))
        results = await asyncio.gather(sample_memory(), *tasks, return_exceptions=True)
        cpu["end"] = cpu_by_part(server_pid, load.runs_dir, last_seen)  # before the browser closes and Stop ends runs
        for result in results:
            if isinstance(result, BaseException):
                load.error("script", f"{type(result).__name__}: {result}")
        for page in results:
            if page is not None and not isinstance(page, BaseException):  # a starter: Stop its run
                try:
                    await page.locator(".st-key-stop button").click(timeout=20_000)  # Stop (or Cancel)
                except Exception as exc:
                    print(f"Stop not pressed ({type(exc).__name__}); its worker is killed below", flush=True)
        await browser.close()


def parse_cpus(text):
    """The CPUs that `--server-cpus` names ("0,1" or "0-3"), checked against this process's: the server's, leaving
    at least one for the browser."""
    cpus, available = set(), os.sched_getaffinity(0)
    for part in text.split(","):
        first, _, last = part.partition("-")
        if not (first.isdigit() and (last or first).isdigit()) or int(last or first) < int(first):
            raise SystemExit(f"--server-cpus {text}: CPU numbers or ranges such as 0,1 or 0-3")
        cpus.update(range(int(first), int(last or first) + 1))
    if not cpus <= available or not available - cpus:
        raise SystemExit(f"--server-cpus {text}: name some of CPUs {sorted(available)}, leaving one for the browser")
    return cpus


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawers", type=int, default=10)
    parser.add_argument("--watchers", type=int, default=20, help="including the ones that press Start")
    parser.add_argument("--runs", type=int, default=2, help="watchers that press Start")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between a watcher's looks at its chart")
    parser.add_argument(
        "--arrive-over",
        type=float,
        default=0.0,
        help="seconds over which the people arrive, one after another (0: all at once)",
    )
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        help="run the browser at this niceness (as the workers' 10), standing in for people's own devices; 0: as is",
    )
    parser.add_argument(
        "--server-cpus",
        help="CPUs for the server and its runs (e.g. 0,1), the browser getting the others: a small server measured "
        "on a larger machine, with the people's devices apart from it",
    )
    parser.add_argument("--out", help="a folder for the server's runs and log (default: a new temporary one)")
    parser.add_argument("--json-out", help="also write the report here")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the server")
    args = parser.parse_args()
    if not 0 <= args.arrive_over <= args.minutes * 60 / 2:
        parser.error("--arrive-over: from 0 to half of --minutes (in seconds), so that everyone is there a while")
    env = {"HRNN_MAX_RUNS": "2", **dict(item.split("=", 1) for item in args.env)}
    out = Path(args.out or tempfile.mkdtemp(prefix="hrnn-class-"))
    out.mkdir(parents=True, exist_ok=True)
    runs_dir = (out / "runs").resolve()

    def hard_stop():  # the last resort: whatever is still running of ours is killed, the script ends
        print("hard deadline reached: killing the server, the workers and the browser", flush=True)
        kill_all(workers_of(runs_dir) + descendants(os.getpid()))
        os._exit(3)

    timer = threading.Timer(args.minutes * 60 + GRACE_S + harness.SERVER_START_SECONDS, hard_stop)
    timer.daemon = True
    timer.start()
    facts = cpu_facts()
    report = {
        "machine": describe(facts),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "uptime_before": uptime(),
        "sessions": {"drawers": args.drawers, "watchers": args.watchers, "runs": args.runs, "minutes": args.minutes},
        "browser_nice": args.browser_nice,
        "arrive_over_s": args.arrive_over,
        "server_cpus": args.server_cpus,
        "server_env": env,
    }
    print(f"{report['machine']}; {report['date']}; {report['uptime_before']}; runs folder {runs_dir}", flush=True)
    server_cpus = parse_cpus(args.server_cpus) if args.server_cpus else None
    if server_cpus:  # the server inherits them, its workers from it; then this script and its browser take the rest
        every_cpu = os.sched_getaffinity(0)
        os.sched_setaffinity(0, server_cpus)
    server = harness.Server(out, warm_spare=True, **env).start()
    if server_cpus:
        os.sched_setaffinity(0, every_cpu - server_cpus)
    memory = [rss_mb(server.process.pid)]
    cpu = {}
    load = None
    try:
        load = Load(time.monotonic() + args.minutes * 60, out)
        load.runs_dir = runs_dir
        load.runs_expected = args.runs
        asyncio.run(run_class(server.url, args, load, server.process.pid, memory, cpu))
        memory.append(rss_mb(server.process.pid))
        time.sleep(5)  # the Stops reach the workers
    finally:
        workers = workers_of(runs_dir)
        workers_mb = sum(rss_mb(pid) or 0 for pid in workers)
        server.stop()
        time.sleep(2)
        kill_all(workers_of(runs_dir))
    ages, batches = staleness(load.samples, runs_dir)
    report.update(
        uptime_after=uptime(),
        pen_up_ms=summary(load.strokes),
        first_stroke_ms=summary(load.first_strokes),
        staleness_s=summary(ages),
        watcher_samples=len(load.samples),
        runs={run: {"batches": n} for run, n in batches.items()},
        server_rss_mb={"before": memory[0], "peak": max(m for m in memory if m), "end": memory[-1]},
        workers_at_end={"count": len(workers), "rss_mb": round(workers_mb, 1)},
        cpu_seconds={part: round(cpu["end"][part] - cpu["start"][part], 1) for part in cpu.get("end", {})},
        failed_strokes=load.failed_strokes,
        strokes_cut_by_deadline=load.cut_strokes,
        errors=load.errors,
        server_log=str(server.log_path),
    )
    (out / "samples.json").write_text(json.dumps(load.samples))
    timer.cancel()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    sys.exit(1 if load.errors or load.failed_strokes else 0)


if __name__ == "__main__":
    main()
