"""What the Train page's live digit grid costs the server per watcher and refresh (a script, not a test): drawn and
handed to Streamlit as an array in every session (as before `hrnn.ui.train.live_grid`), or handed over as the PNG
bytes that `live_grid` makes once per reading. Both go through Streamlit's own `image_to_url` (what `st.image` calls),
alternating, in one process.

    python measure/live_grid_cost.py            # 3 rounds of 50 calls each way
"""

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from streamlit.elements.lib.image_utils import image_to_url  # noqa: E402
from streamlit.elements.lib.layout_utils import LayoutConfig  # noqa: E402

from hrnn.bench.machine import cpu_facts, describe  # noqa: E402
from hrnn.ui.common.digit_grid import render_grid  # noqa: E402
from measure.cpu_rounds import print_cpu_rounds  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    digits = (np.random.default_rng(0).random((20, 28, 28)) * 255).astype(np.uint8)
    labels, read = [k % 10 for k in range(20)], [(k * 3) % 10 for k in range(20)]
    png = io.BytesIO()
    Image.fromarray(render_grid(digits, labels, read)).save(png, "PNG")
    png = png.getvalue()
    layout = LayoutConfig(width="stretch")
    ways = {
        "array, drawn in each session": lambda: image_to_url(
            render_grid(digits, labels, read), layout, False, "RGB", "auto", "grid"
        ),
        "PNG bytes made once": lambda: image_to_url(png, layout, False, "RGB", "PNG", "grid"),
    }
    print(f"{describe(cpu_facts())}; {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print_cpu_rounds(ways, args.rounds, args.calls)


if __name__ == "__main__":
    main()
