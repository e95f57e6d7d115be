"""Build and run the AMX spike (`amx_products.cc`): hrnn's three LSTM products in bfloat16 on AMX tiles against Eigen
float32, single-threaded, and a training step's products over a real MNIST batch's active rows.

    flock -s /tmp/quiet.lock python measure/amx_spike/run.py build      # compile; write the batch's rows and U
    flock -x /tmp/quiet.lock python measure/amx_spike/run.py measure    # time it (about 2 minutes)

`build` compiles with g++ and TensorFlow's compile flags (Eigen from TensorFlow's headers, as hrnn's op), `-O3
-march=native -mno-avx512fp16` as hrnn/nn/native/build.py, plus `-mamx-tile -mamx-bf16 -mavx512bf16`, into
`$HRNN_AMX_SPIKE` (else `~/.cache/hrnn-amx-spike`); it also writes the active rows per step of a batch of 32
training images (`HRNN_MNIST` names full MNIST) and the shipped model's recurrent kernel U for the program to read.
`measure` runs the program (no TensorFlow in that process) and writes its JSON, with the CPU, the date and the load
average, to `measure/amx_spike/results/`, and prints a table.

The `op` action (a variant of hrnn's op with these products, patched into a copy of lstm_op.cc) was removed once
the products went into hrnn's op itself (`hrnn/nn/native/amx_products.h`); its figures (README.md) were taken at commit
4379425: `git checkout 4379425 && python measure/amx_spike/run.py op`. hrnn's op is timed with and without them by
`python measure/native_lstm_step.py`.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "amx_products.cc"
BUILD = Path(os.environ.get("HRNN_AMX_SPIKE", Path.home() / ".cache" / "hrnn-amx-spike"))
PROGRAM = BUILD / "amx_products"
FLAGS = ["-O3", "-march=native", "-mno-avx512fp16", "-mamx-tile", "-mamx-bf16", "-mavx512bf16"]


def active_rows(images):
    """Rows active at each step of the row reader for `images` (n x 28 x 28): per step, the rows (one per image row)
    whose first non-zero pixel is at or before that step, plus one for the shared all-zero trajectory."""
    rows = images.reshape(-1, images.shape[-1])
    inked = rows != 0
    first = np.where(inked.any(axis=1), inked.argmax(axis=1), rows.shape[1])
    return [int((first <= t).sum()) + 1 for t in range(rows.shape[1])]


def build(images, batch):
    """Compile the program and write its inputs; returns what was written."""
    import tensorflow as tf

    sys.path.insert(0, str(HERE.parents[1]))  # the repository, for hrnn
    from hrnn.data.mnist import load_mnist
    from hrnn.nn.model_files import load_pretrained

    BUILD.mkdir(parents=True, exist_ok=True)
    partial = PROGRAM.with_suffix(".partial")
    command = ["g++", str(SOURCE), "-o", str(partial), *tf.sysconfig.get_compile_flags(), *FLAGS]
    subprocess.run(command, check=True)
    os.replace(partial, PROGRAM)

    data = load_mnist("auto")
    batches = [data.x_train[i * images : (i + 1) * images] for i in range(8)]
    counts = [active_rows(b) for b in batches]
    (BUILD / "counts.txt").write_text(" ".join(map(str, counts[batch])) + "\n")
    recurrent = np.asarray(load_pretrained().get_layer("row_encoder").layer.cell.recurrent_kernel, dtype="<f4")
    if recurrent.shape != (128, 512):
        raise SystemExit(f"the shipped recurrent kernel is {recurrent.shape}, the program reads 128 x 512")
    recurrent.tofile(BUILD / "recurrent.f32")
    facts = {
        "command": command,
        "tensorflow": tf.__version__,
        "batch": batch,
        "images": images,
        "rows_per_batch_0_to_7": [sum(c) for c in counts],
    }
    (BUILD / "build.json").write_text(json.dumps(facts, indent=1))
    return facts


def cpu_name():
    """The CPU's model name as /proc/cpuinfo gives it."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def measure(rounds, min_ms, out_folder):
    """Run the built program; returns its JSON with the machine's facts, also written to `out_folder`."""
    if not PROGRAM.is_file():
        raise SystemExit(f"{PROGRAM} is missing: run `python {Path(__file__).name} build` first")
    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)
    command = [str(PROGRAM), "--counts", str(BUILD / "counts.txt"), "--recurrent", str(BUILD / "recurrent.f32")]
    command += ["--rounds", str(rounds), "--min-ms", str(min_ms)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the program failed ({done.returncode}): {done.stdout.strip()} {done.stderr.strip()}")
    result = json.loads(done.stdout)
    result["machine"] = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "started_utc": started.isoformat(timespec="seconds"),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "build": json.loads((BUILD / "build.json").read_text()),
    }
    out_folder.mkdir(parents=True, exist_ok=True)
    path = out_folder / f"{started:%Y-%m-%dT%H%M}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    result["written_to"] = str(path)
    return result


def print_table(result):
    """The figures as a plain table: per product, Eigen float32 against AMX bfloat16, medians in microseconds."""
    for p in result["products"]:
        t = {name: way["median_us"] for name, way in p["times"].items()}
        if p["product"] == "pack":
            print(f"pack U (forward) {t['pack_u']:.1f} us, U^T (backward) {t['pack_ut']:.1f} us")
            continue
        size = f"m={p['m']}" if "m" in p else f"R={p['R']}"
        amx = t.get("amx_total_chunked", t["amx_total"])
        parts = ", ".join(f"{k.removeprefix('amx_')} {v:.1f}" for k, v in t.items() if k.startswith("amx_"))
        print(
            f"{p['product']:>8} {size:>8}: eigen f32 {t['eigen_f32']:8.1f} us, amx bf16 {amx:7.1f} us"
            f" ({t['eigen_f32'] / amx:.1f}x; {parts}); rel err f32 {p['error_f32']['rel_2norm']:.1e},"
            f" bf16 {p['error_bf16']['rel_2norm']:.1e}"
        )
    s = result["step"]
    for side in ("eigen_f32", "amx_bf16"):
        print(
            f"step's products, {side}: CPU {s[side]['cpu']['median_ms']:.2f} ms,"
            f" 2-thread wall estimate {s[side]['wall_estimate']['median_ms']:.2f} ms"
        )
    m = result["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, {m['started_utc']}, load {m['load_average_before'][0]:.2f}")
    print(f"written to {result['written_to']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("build", "measure"))
    parser.add_argument("--images", type=int, default=32, help="images in the batch (build)")
    parser.add_argument("--batch", type=int, default=0, help="which of the first 8 training batches (build)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--min-ms", type=float, default=20, help="about this long a way a round")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if args.action == "build":
        print(json.dumps(build(args.images, args.batch), indent=1))
    else:
        print_table(measure(args.rounds, args.min_ms, args.out))


if __name__ == "__main__":
    main()
