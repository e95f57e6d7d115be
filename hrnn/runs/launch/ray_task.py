"""What a Ray task runs on a node of the cluster: the worker of one run (`hrnn.runs.launch.worker.execute`) with the
CPUs Ray gave it and no training slot, since Ray's scheduler is the queue. Imports no Ray:
`hrnn.runs.launch.ray_launcher` submits `run_task` as a task, one fresh process per run (`max_calls=1`), so that the
process's threads, priority and output are the run's alone.

The run folder must be on storage that every node mounts at the same path as the app. A node that cannot read the
run's settings there, or reads another run's, writes nothing and returns one line saying so; the launcher, which
sees the folder, fails the run with that line.
"""

import logging
import os
import socket

from hrnn.runs.launch import worker
from hrnn.runs.store.folder import RunFolder
from hrnn.runs.store.records import LOG_NAME, RecordError

log = logging.getLogger(__name__)


def folder_problem(folder, token):
    """None if this node reads, in `folder` (a `RunFolder`), the settings of the run whose token is `token`; else
    one line saying that the runs folder is not shared with this node."""
    where = f"Ray node {socket.gethostname()} cannot use the run folder {folder.path}"
    shared = "the runs folder (HRNN_RUNS_DIR) must be on storage every node mounts at the same path"
    try:
        run_settings = folder.read_settings()
    except RecordError as exc:
        return f"{where} ({exc}): {shared}"
    if run_settings.token != token:
        return f"{where} (it holds another run's settings): {shared}"
    return None


def run_task(run_dir, token, threads, nice=0):
    """Run the run in `run_dir` to its end in this process, on `threads` TensorFlow threads (the CPUs Ray gave the
    task), `nice` lower in priority. Returns None once the run has ended (finished, stopped or failed: its record
    says which and why), or one line when this node could not take the run (its folder is not shared, another
    worker owns it); then nothing was written."""
    folder = RunFolder(run_dir)
    problem = folder_problem(folder, token)
    if problem is not None:
        return problem
    if nice:
        os.nice(nice)
    worker.send_output_to(folder.file(LOG_NAME))  # as a local worker's: the process is the run's alone
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
    log.setLevel(logging.INFO)
    log.info(
        "run %s: Ray node %s, pid %d, %d TensorFlow threads", folder.run_id, socket.gethostname(), os.getpid(), threads
    )
    try:
        worker.run_to_exit_status(folder, slots=False, threads=threads)  # 0 or 1: the run ended, its record says how
    except (worker.RunBusy, RecordError) as exc:
        return str(exc)
    return None
