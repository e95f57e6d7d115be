"""Training, validation and test arrays for a run, as its config says (numpy only).

`prepare_data` splits and scales an `hrnn.data.mnist.MnistData`; `stratified_indices` keeps the class proportions of
any subset it takes; `grid_indices` picks the fixed digits that the Train page's live grid shows.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class PreparedData:
    """Arrays ready for Keras: float32 images `(N, 28, 28, 1)` in [0, 1] and int64 labels `(N,)`."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    description: str  # what is trained on and validated on, for the record and the UI

    def held_out(self):
        """`(images, labels)` never trained on: the validation images, else the test images."""
        return (self.x_val, self.y_val) if self.x_val is not None else (self.x_test, self.y_test)


def to_model_input(images):
    """uint8 `(N, 28, 28)` (0..255) -> float32 `(N, 28, 28, 1)` in [0, 1], as the original example scales them."""
    return (np.asarray(images, dtype=np.float32) / 255.0)[..., None]


def stratified_indices(labels, count, rng):
    """`count` indices into `labels` with the class proportions kept (largest remainders), shuffled."""
    labels = np.asarray(labels)
    classes, totals = np.unique(labels, return_counts=True)
    quotas = totals * count / len(labels)
    take = np.floor(quotas).astype(int)
    for k in np.argsort(take - quotas)[: count - take.sum()]:
        take[k] += 1
    picked = [rng.permutation(np.flatnonzero(labels == c))[:n] for c, n in zip(classes, take)]
    return rng.permutation(np.concatenate(picked))


def held_out_count(n_train, config):
    """How many of `n_train` training images `config` holds out for validation."""
    return min(config.val_size, max(1, n_train // 10)) if config.validation == "split" else 0


def grid_indices(labels, per_class=2):
    """Indices of the first `per_class` images of each digit in `labels`, ordered 0, 0, 1, 1, ..., 9, 9
    (fewer where a digit has fewer images)."""
    labels = np.asarray(labels)
    return np.concatenate([np.flatnonzero(labels == d)[:per_class] for d in range(10)]).astype(np.int64)


def prepare_data(config, data):
    """Split and scale `data` (an `hrnn.data.mnist.MnistData`) as `config` (a `TrainConfig`) says.

    With `validation="split"`, `min(val_size, 10% of train)` training images are held out (stratified, by
    `seed`); `train_size` then takes a stratified subset of the rest. Raises ValueError if `train_size` asks
    for more images than there are.
    """
    rng = np.random.default_rng(config.seed)
    x, y = data.x_train, data.y_train
    x_val = y_val = None
    if config.validation == "split":
        n_val = held_out_count(len(y), config)
        val_idx = stratified_indices(y, n_val, rng)
        keep = np.ones(len(y), bool)
        keep[val_idx] = False
        x_val, y_val = x[val_idx], y[val_idx]
        x, y = x[keep], y[keep]
        val_text = f"validation: {n_val:,} held-out training images"
    elif config.validation == "test":
        x_val, y_val = data.x_test, data.y_test
        val_text = "validation: the test set (the original example's protocol)"
    else:
        val_text = "no validation"
    if config.train_size is not None:
        if config.train_size > len(y):
            raise ValueError(f"train-size {config.train_size:,} is more than the {len(y):,} training images available")
        if config.train_size < len(y):
            idx = stratified_indices(y, config.train_size, rng)
            x, y = x[idx], y[idx]
    if x_val is not None and config.val_limit is not None and config.val_limit < len(y_val):
        idx = stratified_indices(y_val, config.val_limit, rng)
        x_val, y_val = x_val[idx], y_val[idx]
        val_text += f" (a stratified {config.val_limit:,} of them per epoch)"
    x_test, y_test = data.x_test, data.y_test
    if config.test_limit and config.test_limit < len(y_test):
        idx = stratified_indices(y_test, config.test_limit, rng)
        x_test, y_test = x_test[idx], y_test[idx]
    return PreparedData(
        to_model_input(x),
        np.asarray(y, np.int64),
        None if x_val is None else to_model_input(x_val),
        None if y_val is None else np.asarray(y_val, np.int64),
        to_model_input(x_test),
        np.asarray(y_test, np.int64),
        f"{data.source}; training on {len(y):,} images, {val_text}",
    )
