"""Building and loading the native LSTM op (`lstm_op.cc`): compiled on first use into a cache folder, loaded after.

The library is built with the C++ compiler (`$CXX`, else `g++`) and TensorFlow's own compile and link flags
(`tf.sysconfig`), against the Eigen that TensorFlow's headers carry: nothing is downloaded. It is built for this CPU
(`-march=native`), so the cache folder's name is a digest of everything the binary depends on: TensorFlow's version,
the source, the compiler and its flags, and the CPU's instruction-set flags. A library built on one kind of CPU is
never loaded on another.

A build takes about a minute. It is written to a temporary name in its folder and renamed into place, under a file
lock, so two processes (the app's worker and a CLI run) never build at once and never load half a file; the second
one waits and loads what the first built. Whatever goes wrong (no compiler, a failed build, a library that does not
load) is logged in one line and remembered for the process: `load_library` then answers None and nobody retries.
"""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

from hrnn import settings

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("lstm_op.cc")
HEADERS = (Path(__file__).with_name("amx_products.h"),)  # included by SOURCE
LIBRARY_NAME = "hrnn_lstm_op.so"
OPS = ("hrnn_lstm_last_shared", "hrnn_lstm_sequence")  # the row reader's and the image reader's, each with a _grad
BUILD_TIMEOUT_S = 900  # a loaded 2-core machine compiles it in 1-3 minutes

_state = {"library": None, "failure": None}  # what this process loaded, or why it could not


class BuildError(RuntimeError):
    """The op could not be built or loaded; the message says why in one line."""


def cpu_flags(cpuinfo_path="/proc/cpuinfo"):
    """The CPU's instruction-set flags as Linux lists them (sorted), or [] where /proc/cpuinfo cannot be read."""
    try:
        with open(cpuinfo_path) as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return sorted(set(value.split()))
    except OSError:
        pass
    return []


def compiler():
    """The C++ compiler a build runs: `$CXX`, else `g++`."""
    return os.environ.get("CXX", "").strip() or "g++"


def compile_flags(flags=None):
    """The compiler's arguments besides the source and the output: TensorFlow's compile flags, optimisation for this
    CPU, and TensorFlow's link flags. `flags`: the CPU's flags (`cpu_flags()` if None)."""
    import tensorflow as tf

    flags = cpu_flags() if flags is None else flags
    # Eigen's AVX512-FP16 code does not compile with g++ 12; float32 and float64 never use it.
    no_fp16 = ["-mno-avx512fp16"] if "avx512_fp16" in flags else []
    return [
        *tf.sysconfig.get_compile_flags(),
        "-O3",
        "-march=native",
        *no_fp16,
        "-shared",
        "-fPIC",
        "-w",
        *tf.sysconfig.get_link_flags(),
    ]


def cache_key():
    """A digest (16 hex digits) of what the built library depends on: TensorFlow's version, the source, the compiler
    and its flags, and this CPU's instruction-set flags."""
    import tensorflow as tf

    flags = cpu_flags()
    facts = {
        "tensorflow": tf.__version__,
        "source": hashlib.sha256(b"".join(path.read_bytes() for path in (SOURCE, *HEADERS))).hexdigest(),
        "compiler": compiler(),
        "flags": compile_flags(flags),
        "cpu": flags,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


def library_path():
    """Where this machine's library is kept: `<HRNN_KERNEL_CACHE>/<cache_key()>/hrnn_lstm_op.so`."""
    return settings.kernel_cache() / cache_key() / LIBRARY_NAME


def load_library(build):
    """The loaded op library (a module with the `OPS` and their `_grad` ops), or None.

    `build`: compile it if it is not in the cache (or the cached file does not load); else only a library built
    before is loaded, and None (not a failure) if there is none yet. A failure is logged once, in one warning line,
    and remembered: every later call in this process answers None at once.
    """
    if _state["library"] is not None or _state["failure"] is not None:
        return _state["library"]
    try:
        target = library_path()
        if not build and not target.is_file():
            return None
        _state["library"] = _build_and_load(target) if build else _load(target)
    except (BuildError, OSError) as exc:
        _state["failure"] = str(exc)
        log.warning("native LSTM op unavailable (%s): the TensorFlow path is used", exc)
    return _state["library"]


def failure():
    """Why this process could not build or load the op (one line), or None."""
    return _state["failure"]


def _load(target):
    import tensorflow as tf

    try:
        library = tf.load_op_library(str(target))
    except (tf.errors.OpError, OSError) as exc:
        raise BuildError(f"{target} does not load: {str(exc).splitlines()[0]}") from exc
    missing = [name for name in OPS if not hasattr(library, name)]
    if missing:
        raise BuildError(f"{target} holds no {missing[0]} op (another copy is loaded in this process)")
    return library


def _build_and_load(target):
    """Load `target`, building it first (under the folder's lock) if it is missing or does not load."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process building it: wait, then load what it built
        if target.is_file():
            try:
                return _load(target)
            except BuildError as exc:
                log.warning("rebuilding the native LSTM op: %s", exc)
        _compile(target)
        return _load(target)


def _compile(target):
    """Compile `lstm_op.cc` into `target`: to a temporary name in its folder, then renamed into place."""
    cxx = compiler()
    if shutil.which(cxx) is None:
        raise BuildError(f"no C++ compiler: {cxx!r} not found (set CXX)")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    command = [cxx, str(SOURCE), "-o", str(temporary), *compile_flags()]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if "error" in line] or done.stderr.splitlines()
            raise BuildError(f"{cxx} failed ({done.returncode}): {lines[0] if lines else 'no message'}")
        os.replace(temporary, target)
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{cxx} took over {BUILD_TIMEOUT_S} s") from exc
    finally:
        temporary.unlink(missing_ok=True)
    log.warning("built the native LSTM op in %.1f s (once per machine): %s", time.perf_counter() - started, target)
