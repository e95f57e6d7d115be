"""Every session watching a run shares one encoded digit grid per reading of the run's grid."""

import dataclasses
import io

import numpy as np
from PIL import Image

from hrnn.train.progress import ProgressSnapshot
from hrnn.ui.common.digit_grid import render_grid
from hrnn.ui.train.live_grid import live_grid

DIGITS = np.arange(20 * 28 * 28, dtype=np.uint32).reshape(20, 28, 28) % 256


def _snapshot(samples, predictions):
    return ProgressSnapshot(
        grid_images=DIGITS.astype(np.uint8).tolist(),
        grid_labels=[k % 10 for k in range(20)],
        grid_predictions=predictions,
        grid_samples=samples,
    )


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def test_sessions_at_the_same_reading_share_the_grid_and_a_new_reading_makes_a_new_one():
    unread = _snapshot(0, [])
    first = live_grid("run-a", unread)
    # The picture is the grid, losslessly (PNG): what render_grid draws, pixel for pixel.
    assert first.startswith(b"\x89PNG")
    assert np.array_equal(_pixels(first), render_grid(unread.grid_images, unread.grid_labels, []))
    # Another session's snapshot of the same log, equal but not the same object: not drawn again.
    assert live_grid("run-a", dataclasses.replace(unread)) is first
    read = _snapshot(640, [k % 10 for k in range(20)])
    drawn = live_grid("run-a", read)
    assert drawn is not first
    assert np.array_equal(_pixels(drawn), render_grid(read.grid_images, read.grid_labels, read.grid_predictions))
    # A later reading with other digits read is another picture, even at the same count of images seen.
    misread = _snapshot(640, [(k + 1) % 10 for k in range(20)])
    assert not np.array_equal(_pixels(live_grid("run-a", misread)), _pixels(drawn))
    # Another run at the same reading is its own picture (its digits are its own).
    assert live_grid("run-b", read) is not drawn
