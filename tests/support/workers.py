"""Run workers as the tests start them: a tiny run's settings and a run's status."""

from hrnn import runs
from hrnn.train.config import TrainConfig


def tiny(epochs):
    return TrainConfig(epochs=epochs, row_units=8, image_units=8, val_size=20).check()


def status(folder):
    return runs.find_run(folder.run_id).status
