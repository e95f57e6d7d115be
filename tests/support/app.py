"""Pages under Streamlit's AppTest, as the AppTests drive them: a page, a drawing on the canvas, small settings, a saved
run, the text a reader sees."""

import os
import re

import numpy as np
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from hrnn import runs, settings
from hrnn.data.mnist import load_mnist
from hrnn.runs.launch.worker import train_in_folder
from hrnn.train.config import TrainConfig
from tests.support.data import make_mnist

TIMEOUT = 120


def shown(markdown):
    """The text a reader sees for `markdown` that escapes its punctuation and breaks autolinks with invisible word
    joiners (as `hrnn.ui.common.text.as_text` does)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def page(name):
    return AppTest.from_string(f"from hrnn.ui.{name}.page import render\nrender()", default_timeout=TIMEOUT)


def draw(at, pixels):
    """`at` (a page under AppTest, before its run) with `pixels` drawn on the Draw page's canvas, as the browser sends
    a drawing on pen-up: the canvas's state value "drawing", a PNG data URL. Returns `at`."""
    from hrnn.ui.draw.inputs import canvas_key
    from tests.support.pictures import png_data_url

    at.session_state[canvas_key(0)] = {"drawing": png_data_url(pixels)}
    return at


def drawn_bar(row=10):
    """A canvas with a thick horizontal white stroke on a transparent background."""
    image = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(40, row * 10), (240, row * 10)], fill=(255, 255, 255, 255), width=22)
    return np.asarray(image)


def set_small_config(at, epochs=1):
    for key, value in {
        "cfg_epochs": epochs,
        "cfg_batch_size": 32,
        "cfg_row_units": 8,
        "cfg_image_units": 8,
        "cfg_optimizer": "rmsprop",
        "cfg_learning_rate": 0.001,
        "cfg_train_size": 180,
    }.items():
        at.session_state[key] = value


def save_run(run_id, record, model=None):
    """A run folder in the runs folder, as the app lists it: record.json and, if given, model.keras."""

    folder = settings.runs_dir() / run_id
    folder.mkdir(parents=True)
    runs.atomic_write_json(folder / runs.RECORD_NAME, record)
    if model is not None:
        model.save(folder / runs.MODEL_NAME)
    return folder


def tiny_run(run_id, **overrides):
    """A finished run in the runs folder, trained on the app's synthetic data; returns its folder."""
    config = TrainConfig(epochs=1, row_units=8, image_units=8, validation="split", val_size=20, **overrides)
    run_dir = settings.runs_dir() / run_id
    train_in_folder(config, make_mnist(), run_dir)
    return run_dir


def row_slider(at):
    """The Inside page's row cursor on the page `at`."""
    from hrnn.ui.inside import page as inside_page

    return at.slider(key=inside_page.slider_key(at.session_state))


def shown_test_image(at):
    """The test image the Inside page reads, from its "Input: test image K (true label L)" line: `(image, L)`."""
    (line,) = [t.value for t in at.text if t.value.startswith("Input: test image")]
    index, label = (int(n) for n in re.match(r"Input: test image (\d+) \(true label (\d+)\)", line).groups())
    data = load_mnist(os.environ["HRNN_MNIST"])
    assert data.y_test[index] == label
    return data.x_test[index] / 255.0, label
