"""Where the test suite's CPU time goes: runs pytest and reports the machine's busy and idle CPU-seconds over the run
and the CPU-seconds of every kind of process it started (the test workers, Chromium, the app's servers, run
workers, Ray, CLI subprocesses).

    python measure/measure_suite.py                       # the whole suite, as `python -m pytest` runs it
    python measure/measure_suite.py -- tests/app -n0      # arguments after -- go to pytest

Each process's CPU time is read from /proc every `--every` seconds, so a process that lives shorter than that may be
missed; the machine's busy and idle time come from /proc/stat and miss nothing (they include whatever else runs, so
measure on a quiet machine). Niced processes (the app's run workers) are counted apart: they take only CPU time that
nothing else wants. Linux only.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")

KINDS = (  # (kind, pattern in the command line); the first that matches names the process
    ("Chromium", r"chrom"),
    ("Playwright driver", r"playwright"),
    ("app server (streamlit run)", r"streamlit"),
    ("spare worker", r"hrnn worker --spare"),
    ("run worker", r"hrnn worker"),
    ("Ray", r"ray::|/ray/|raylet|gcs_server"),
    ("CLI subprocess (python -m hrnn)", r"-m hrnn"),
    ("test worker (pytest-xdist)", r"execnet|exec\(eval"),
    ("pytest", r"pytest"),
)


def machine_ticks():
    """`(busy, idle)` clock ticks of all CPUs since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq + steal, idle + iowait


def process_times(pids_before):
    """`{(pid, start tick): (cpu seconds, niced, command line)}` of the processes started since `pids_before`."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            key = (int(entry), int(fields[19]))  # the start time tells a reused pid apart
            if key in pids_before:
                continue
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found[key] = ((int(fields[11]) + int(fields[12])) / TICKS, int(fields[16]) > 0, command or stat)
        except (OSError, ValueError, IndexError):  # it ended while being read
            continue
    return found


def kind_of(command):
    return next((kind for kind, pattern in KINDS if re.search(pattern, command)), "other")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=1.0, help="seconds between reads of /proc (default 1)")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args()

    before = set(process_times(set()))
    seen = {}
    busy0, idle0 = machine_ticks()
    started = time.monotonic()
    tests = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args], cwd=REPO
    )
    while tests.poll() is None:
        for key, (seconds, is_niced, command) in process_times(before).items():
            # CPU time only grows; a process that has ended but is not yet reaped has no command line left
            seen[key] = (seconds, is_niced, seen[key][2] if key in seen else command)
        time.sleep(args.every)
    wall = time.monotonic() - started
    busy1, idle1 = machine_ticks()

    cpu, niced, count, others = Counter(), Counter(), Counter(), Counter()
    for seconds, is_niced, command in seen.values():
        kind = kind_of(command)
        cpu[kind] += seconds
        count[kind] += 1
        niced[kind] += seconds if is_niced else 0
        if kind == "other":
            others[command[:100]] += seconds
    print(f"\npytest exited with {tests.returncode} after {wall:.0f} s")
    busy, idle = (busy1 - busy0) / TICKS, (idle1 - idle0) / TICKS
    print(f"machine: {busy:.0f} CPU-s busy, {idle:.0f} CPU-s idle, {os.cpu_count()} CPUs")
    print(f"{'CPU-s':>7} {'niced':>7} {'procs':>5}  kind")
    for kind, seconds in cpu.most_common():
        print(f"{seconds:7.0f} {niced[kind]:7.0f} {count[kind]:5d}  {kind}")
    for command, seconds in others.most_common(3):
        print(f"{seconds:7.0f}   other: {command}")
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main())
