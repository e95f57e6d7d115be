"""Where a Streamlit server spends its CPU, by Python stack: a sampler that a process loads at its start (a script,
not part of the app; py-spy is not installed here).

Python imports `sitecustomize` from its path as it starts, so `PYTHONPATH=measure/profile_hook` and
`HRNN_PROFILE_OUT=<file>` in the server's environment (measure/load_client.py's `--profile` sets both) make the
server sample itself; any other process with that environment (the runs' workers) ignores it. Every `INTERVAL_S`
a thread reads every other thread's stack (`sys._current_frames`) and its CPU clock, and adds the CPU that thread
used since the last look to its stack: a CPU profile of every thread (the event loop's, each session's script
runner), not of wall time. Every `WRITE_S` and at exit it writes the stacks, one a line as flame-graph tools read
them: `frame;frame;...;frame <microseconds of CPU>`, root first.
"""

import atexit
import os
import sys
import threading
import time
from collections import Counter

INTERVAL_S = 0.01
WRITE_S = 5.0
DEPTH = 60  # frames kept from the leaf up


def _is_server():
    try:
        with open("/proc/self/cmdline", "rb") as fh:
            words = fh.read().split(b"\0")
    except OSError:
        return False
    return b"streamlit" in words and b"run" in words


def _stack(frame):
    names = []
    while frame is not None and len(names) < DEPTH:
        code = frame.f_code
        names.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
        frame = frame.f_back
    return ";".join(reversed(names))


class Sampler:
    """Samples the process's threads into `self.cpu` (stack -> CPU seconds) and writes them to `path`."""

    def __init__(self, path):
        self.path, self.cpu, self.last = path, Counter(), {}
        self.lock = threading.Lock()

    def sample(self):
        me = threading.get_ident()
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            try:
                used = time.clock_gettime(time.pthread_getcpuclockid(ident))
            except (OSError, ValueError):
                continue
            before = self.last.get(ident, used)
            self.last[ident] = used
            if used > before:
                with self.lock:
                    self.cpu[_stack(frame)] += used - before

    def write(self):
        with self.lock:
            lines = [f"{stack} {round(seconds * 1e6)}" for stack, seconds in self.cpu.most_common()]
        part = f"{self.path}.part"
        with open(part, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(part, self.path)

    def run(self):
        written = time.monotonic()
        while True:
            time.sleep(INTERVAL_S)
            self.sample()
            if time.monotonic() - written > WRITE_S:
                self.write()
                written = time.monotonic()


if os.environ.get("HRNN_PROFILE_OUT") and _is_server():
    _sampler = Sampler(os.environ["HRNN_PROFILE_OUT"])
    threading.Thread(target=_sampler.run, name="hrnn-profile", daemon=True).start()
    atexit.register(_sampler.write)
