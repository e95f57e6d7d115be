"""What one watcher's refresh of the Train page's live panel costs the server in building figures (a script, not a
test): each figure built for the watcher, against taken from what every watcher shares, and the cost of handing a
figure to Streamlit (what `st.plotly_chart` does with it: a copy, its JSON, the element id). Per call, CPU time,
rounds alternating, in one process, on a run folder with a progress log and snapshots (a quick demo's):

    python -m hrnn train --preset demo --runs-dir /tmp/runs     # once: makes a run folder
    python measure/live_panel_cost.py /tmp/runs/<run id>
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotly.io  # noqa: E402
import plotly.tools  # noqa: E402
from streamlit.elements.lib.utils import _compute_element_id  # noqa: E402

from hrnn.analysis.units import order_units  # noqa: E402
from hrnn.bench.machine import cpu_facts, describe  # noqa: E402
from hrnn.runs.store.progress_log import ProgressLogReader  # noqa: E402
from hrnn.runs.store.snapshots import SnapshotReader  # noqa: E402
from hrnn.ui.common.states_figure import SHOWN_UNITS, states_figure  # noqa: E402
from hrnn.ui.train import inside_view  # noqa: E402
from hrnn.ui.train.figures import training_figure  # noqa: E402
from hrnn.ui.train.inside_figures import MEANING, probability_figure  # noqa: E402
from hrnn.ui.train.live_figure import live_figure  # noqa: E402
from measure.cpu_rounds import print_cpu_rounds  # noqa: E402


def handed_to_streamlit(figure):
    """What `st.plotly_chart` does with a figure before sending it (Streamlit 1.67)."""
    copy = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
    spec = plotly.io.to_json(copy, validate=False)
    _compute_element_id("plotly_chart", "key", plotly_spec=spec)
    return len(spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder with progress.jsonl and snapshots")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    snap = ProgressLogReader(str(args.run / "progress.jsonl")).snapshot()
    path = str(args.run)
    last = len(SnapshotReader(path).times()) - 1

    def heatmap_built():
        hidden = SnapshotReader(path).read(last).hidden[0]  # a fresh reader: decoded again
        order = order_units(hidden)[:SHOWN_UNITS]
        return states_figure(hidden[:, order], order, None, MEANING, height=400)

    shared_reader = SnapshotReader(path)
    shot = shared_reader.read(last)
    ways = {
        "live figure, built": lambda: training_figure(snap, height=420),
        "live figure, shared": lambda: live_figure("run", snap, 420, live=True),
        "live figure, handed to Streamlit": lambda: handed_to_streamlit(live_figure("run", snap, 420)),
        "snapshot decoded + heatmap built": heatmap_built,
        "snapshot + heatmap, shared": lambda: inside_view._moment_figure(
            path, last, 0, shared_reader.read(last).hidden
        ),
        "heatmap, handed to Streamlit": lambda: handed_to_streamlit(
            inside_view._moment_figure(path, last, 0, shot.hidden)
        ),
        "probabilities, built": lambda: probability_figure(shot.probs[0], 0),
        "probabilities, shared": lambda: inside_view._probability_figure(path, last, 0, 0, shot.probs),
    }
    print(f"{describe(cpu_facts())}; {time.strftime('%Y-%m-%d %H:%M %Z')}; {len(snap.batch_steps)} batches")
    print(f"live figure: {handed_to_streamlit(live_figure('run', snap, 420)) / 1000:.0f} kB of JSON a refresh")
    print_cpu_rounds(ways, args.rounds, args.calls)


if __name__ == "__main__":
    main()
