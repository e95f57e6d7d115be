"""How long one "What if?" change takes on the server: the intervention (the image reader's 28 steps in numpy, from the
row summaries the page has) and the section's four figures made and serialised, for each experiment.

    python -m measure.measure_what_if [--repeats 50] [--digit 149]

Uses the shipped model and $HRNN_MNIST (else the offline sample). Prints milliseconds per change: median and 90th
percentile. Not a test: the figures depend on the machine and on what else it runs.
"""

import argparse
import time

import numpy as np

from hrnn.analysis.interventions import IMAGE_READER, Clamp, blank_row_vector, intervene, replace_rows
from hrnn.analysis.projection import build_state_map
from hrnn.analysis.stepwise import hrnn_weights
from hrnn.data.mnist import load_mnist
from hrnn.nn.model_files import load_pretrained
from hrnn.nn.probe import final_image_states, probe
from hrnn.ui.inside.what_if.figures import changed_image_figure, delta_figure, two_paths_figure, what_if_bars


def _figures(state_map, image, before, after):
    delta = after.image_states - before.image_states
    units = np.argsort(-np.abs(delta).max(axis=0))[:32]
    figures = [
        changed_image_figure(image, (16, 17), "as the network now reads it"),
        what_if_bars(before.probs, after.probs),
        two_paths_figure(state_map, before.image_states, after.image_states),
        delta_figure(delta[:, units], units),
    ]
    return sum(len(f.to_json()) for f in figures)


def _times(repeats, work):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return np.median(times), np.percentile(times, 90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--digit", type=int, default=149)
    args = parser.parse_args()
    model, data = load_pretrained(), load_mnist("auto")
    image = data.x_test[args.digit].astype(np.float32) / 255.0
    vectors = probe(model, image).row_vectors  # the page has these already
    donor_vectors = probe(model, data.x_test[3].astype(np.float32) / 255.0).row_vectors
    n = min(2000, len(data.y_test))
    state_map = build_state_map(
        final_image_states(model, data.x_test[:n].astype(np.float32)[..., None] / 255.0), data.y_test[:n]
    )
    weights = hrnn_weights(model)
    blank = blank_row_vector(weights)
    before = intervene(weights, vectors)
    changes = {
        "erase rows 16, 17": lambda: intervene(weights, replace_rows(vectors, [15, 16], blank)),
        "hold unit 3 at 0 from row 10": lambda: intervene(weights, vectors, Clamp(IMAGE_READER, 3, 0.0, 9)),
        "transplant rows 10 to 18": lambda: intervene(weights, replace_rows(vectors, range(9, 18), donor_vectors)),
    }
    print(f"{args.repeats} changes each, ms per change (median, 90th percentile):")
    for name, change in changes.items():
        compute = _times(args.repeats, change)
        whole = _times(args.repeats, lambda change=change: _figures(state_map, image, before, change()))
        print(
            f"  {name:30s} intervention {compute[0]:6.1f} {compute[1]:6.1f}   "
            f"with its four figures serialised {whole[0]:6.1f} {whole[1]:6.1f}"
        )


if __name__ == "__main__":
    main()
