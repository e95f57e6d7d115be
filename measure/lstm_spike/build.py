"""Build the spike's C++ step (`lstm_step.cc`) with g++, once per GEMM library, into `measure/lstm_spike/build/`.

    python measure/lstm_spike/build.py            # fetches the pinned wheels on first use, then compiles

The libraries come from PyPI as wheels (`pip download`, unpacked into a cache folder, never installed into the
Python environment): oneMKL (`mkl`, `mkl-include`) and oneDNN's CPU build on GNU OpenMP (`onednn-cpu-gomp`,
`onednn-devel-cpu-gomp`; the newer `onednn` wheel is a SYCL build that needs Intel's compiler runtime). Eigen comes
from TensorFlow's headers. Prints the built libraries as JSON.
"""

import argparse
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import tensorflow as tf

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "lstm_step.cc"
BUILD = HERE / "build"
CACHE = Path(os.environ.get("HRNN_SPIKE_DEPS", Path.home() / ".cache" / "hrnn-lstm-spike"))
WHEELS = ("mkl==2026.2.0", "mkl-include==2026.2.0", "onednn-cpu-gomp==2023.2.0", "onednn-devel-cpu-gomp==2023.2.0")
FLAGS = ["-O3", "-march=native", "-ffast-math", "-fopenmp", "-std=c++17", "-shared", "-fPIC"]


def fetch_libraries(cache):
    """Download the pinned wheels into `cache` and unpack them; returns the unpacked folder."""
    unpacked = cache / "unpacked"
    if (unpacked / ".done").exists():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(cache / "wheels"), *WHEELS]
    subprocess.run(command, check=True)
    for wheel in sorted((cache / "wheels").glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(unpacked / wheel.name.split("-")[0])
    (unpacked / ".done").touch()
    return unpacked


def find_folder(root, pattern):
    """The one folder under `root` matching the glob `pattern`."""
    found = sorted(root.glob(pattern))
    if not found:
        raise FileNotFoundError(f"nothing matches {pattern} under {root}")
    return found[0]


def variants(unpacked):
    """Per library: the compiler's extra arguments."""
    mkl_lib = find_folder(unpacked, "mkl/*/data/lib")
    mkl_include = find_folder(unpacked, "mkl_include/*/data/include")
    dnnl_lib = find_folder(unpacked, "onednn_cpu_gomp/*/data/lib")
    dnnl_include = find_folder(unpacked, "onednn_devel_cpu_gomp/*/data/include")
    mkl_libs = ["libmkl_intel_lp64.so.3", "libmkl_gnu_thread.so.3", "libmkl_core.so.3"]
    return {
        # g++ 12 cannot compile Eigen's AVX512-FP16 packets (-march=native turns them on here); float32 needs none.
        "eigen": ["-DSPIKE_EIGEN", f"-I{tf.sysconfig.get_include()}", "-mno-avx512fp16"],
        "mkl": ["-DSPIKE_MKL", f"-I{mkl_include}", f"-L{mkl_lib}", *(f"-l:{lib}" for lib in mkl_libs)]
        + [f"-Wl,-rpath,{mkl_lib}", "-lgomp"],
        "dnnl": ["-DSPIKE_DNNL", f"-I{dnnl_include}", f"-L{dnnl_lib}", "-ldnnl", f"-Wl,-rpath,{dnnl_lib}"],
    }


def build(only=None):
    """Compile each variant (or those in `only`); returns {name: path of the shared library}."""
    unpacked = fetch_libraries(CACHE)
    BUILD.mkdir(exist_ok=True)
    built = {}
    for name, extra in variants(unpacked).items():
        if only and name not in only:
            continue
        target = BUILD / f"lstm_step_{name}.so"
        partial = target.with_suffix(".so.partial")  # a running driver never loads a half-written library
        command = ["g++", *FLAGS, str(SOURCE), "-o", str(partial), *extra]
        subprocess.run(command, check=True)
        os.replace(partial, target)
        built[name] = str(target)
    return built


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="variants to build (eigen, mkl, dnnl); all by default")
    args = parser.parse_args()
    print(json.dumps({"flags": FLAGS, "built": build(args.only)}, indent=1))


if __name__ == "__main__":
    main()
