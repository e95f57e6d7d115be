"""What a process keeps after scoring the shipped model in batches of each size (a script, not a test).

TensorFlow's oneDNN CPU allocator keeps the memory its largest batch needed for the life of the process. The app
scores the shipped model in the background when a run starts (the verdict's reference, `hrnn.ui.common.scores`):
this measures what that leaves in the server, one batch size after another in one process (each line: the
anonymous memory added since the line before, after garbage collection).

    HRNN_MNIST=/path/to/mnist.npz python measure/scoring_memory.py 32 64 256
    HRNN_MNIST=/path/to/mnist.npz python measure/scoring_memory.py 256      # alone: a fresh process
"""

import argparse
import gc
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from hrnn.bench.machine import cpu_facts, describe  # noqa: E402
from hrnn.data.mnist import load_mnist  # noqa: E402
from hrnn.nn.model_files import load_pretrained  # noqa: E402
from hrnn.nn.probe import predict_batch, predict_one  # noqa: E402


def anonymous_mb():
    status = Path(f"/proc/{os.getpid()}/status").read_text()
    return int(re.search(r"^RssAnon:\s+(\d+) kB", status, re.M).group(1)) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch_sizes", type=int, nargs="+")
    parser.add_argument("--images", type=int, default=2000, help="test images scored (a demo run's test digits)")
    args = parser.parse_args()
    data = load_mnist("auto")
    model = load_pretrained()
    images = (np.asarray(data.x_test[: args.images], np.float32) / 255.0)[..., None]
    predict_one(model, images[0, :, :, 0])  # the app's warm-up: the model loaded and one drawing read
    gc.collect()
    print(describe(cpu_facts()))
    before = anonymous_mb()
    print(f"after the warm-up: {before:.0f} MB anonymous")
    for size in args.batch_sizes:
        predict_batch(model, images, batch_size=size)
        gc.collect()
        now = anonymous_mb()
        print(f"{args.images} images in batches of {size}: +{now - before:.0f} MB kept")
        before = now


if __name__ == "__main__":
    main()
