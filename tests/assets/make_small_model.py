"""Make `small.keras`, the small HRNN the AppTests use as the app's pretrained model.

    python tests/assets/make_small_model.py

It is one epoch on the synthetic digits of `tests.support.data.make_mnist` with 8 units per reader, seed 0. The file is
kept in the repository because training it cost every test process about 20 s of setup; a test
(`tests/app/test_small_model_asset.py`) checks that it still loads as an hrnn model and reads those digits as a
model trained so does. Run this again when the saved model format changes.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASSET = Path(__file__).resolve().parent / "small.keras"


def small_config():
    from hrnn.train.config import TrainConfig

    return TrainConfig(epochs=1, row_units=8, image_units=8, validation="none", test_limit=0)


def make(path=ASSET):
    """Train the small model and save it at `path`; returns the path."""
    from hrnn.train.loop import train
    from tests.support.data import make_mnist

    train(small_config(), make_mnist(), keep_model=True).model.save(path)
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(make())
