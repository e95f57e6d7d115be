"""What if: erase rows of an input, find the fewest rows whose erasure changes the model's answer, hold a unit of a
reader at a value from a row on, transplant rows from another digit.

`erase_rows` and `smallest_flip` work on pixels and take the model as a `predict` callable (images `(N, 28, 28)` in
[0, 1] to probabilities `(N, classes)`), as in `hrnn.analysis.importance`, so the logic is testable with any function.
`intervene` reaches inside the network: it runs the image reader row by row (`hrnn.analysis.stepwise`) over row
summaries that may be replaced (a blank row's for an erased row, another digit's for a transplanted one) and may hold
a unit of either reader from a row on.
"""

from dataclasses import dataclass

import numpy as np

from hrnn.analysis.stepwise import read_image, read_rows


def erase_rows(image28, rows):
    """A copy of `image28` `(28, 28)` with the pixel rows `rows` (0-based) set to background (0)."""
    image = np.array(image28, dtype=np.float32)
    if image.shape != (28, 28):
        raise ValueError(f"need a 28 x 28 image, got shape {image.shape}")
    rows = sorted({int(r) for r in rows})
    if any(not 0 <= r < 28 for r in rows):
        raise ValueError(f"rows are 0 to 27, got {rows}")
    image[rows, :] = 0.0
    return image


@dataclass(frozen=True)
class Flip:
    """The fewest rows found whose erasure changes the model's answer, and what it reads then."""

    rows: tuple  # 0-based rows erased, in the order they were erased (the most important first)
    digit: int  # what the model reads with them erased
    probabilities: np.ndarray  # (classes,) with them erased


def smallest_flip(predict, image28, drop):
    """The fewest rows, taken greedily in order of `drop` (each row's effect on the prediction when blanked alone,
    `RowImportance.drop`, largest first), whose erasure together changes the predicted digit; None when erasing
    every row that holds ink does not change it. One `predict` call: the image with the first 1, 2, ... of those
    rows erased. Greedy, so "fewest" is what this order finds, not a proof that no smaller set exists."""
    image = np.asarray(image28, dtype=np.float32)
    inked = [r for r in np.argsort(-np.asarray(drop), kind="stable") if image[r].any()]
    if not inked:
        return None
    batch = np.stack([erase_rows(image, inked[: k + 1]) for k in range(len(inked))])
    probs = np.asarray(predict(np.concatenate([image[None], batch])), dtype=np.float64)
    original = int(np.argmax(probs[0]))
    for k, row_probs in enumerate(probs[1:]):
        digit = int(np.argmax(row_probs))
        if digit != original:
            return Flip(tuple(int(r) for r in inked[: k + 1]), digit, row_probs)
    return None


IMAGE_READER, ROW_READER = "image_reader", "row_reader"


@dataclass(frozen=True)
class Clamp:
    """Hold one unit of a reader at `value` from row `from_row` (0-based) to the last row. Of the image reader: its
    state after each of those rows, which the next row and the classifier read. Of the row reader: its summary of
    each of those rows, which the image reader reads. A value of 0 zeroes the unit."""

    layer: str  # IMAGE_READER or ROW_READER
    unit: int
    value: float  # -1 to 1, the range of an LSTM's state
    from_row: int  # 0 to 27

    def check(self, weights):
        """Return self if it names a unit and a row of `weights` (`HrnnWeights`); else ValueError, one line."""
        units = {IMAGE_READER: weights.column.units, ROW_READER: weights.row.units}.get(self.layer)
        if units is None:
            raise ValueError(f"a clamp holds a unit of {IMAGE_READER} or {ROW_READER}, not {self.layer!r}")
        if not 0 <= self.unit < units:
            raise ValueError(f"the {self.layer.replace('_', ' ')} has units 0 to {units - 1}, got {self.unit}")
        if not -1 <= self.value <= 1:
            raise ValueError(f"a unit holds a value from -1 to 1, got {self.value}")
        if not 0 <= self.from_row < 28:
            raise ValueError(f"rows are 0 to 27, got {self.from_row}")
        return self


@dataclass(frozen=True)
class Reading:
    """What the network computes for one input, touched or not."""

    row_vectors: np.ndarray  # (28, row_units) what the image reader reads
    image_states: np.ndarray  # (28, image_units) the image reader's state after rows 1..t
    step_probs: np.ndarray  # (28, classes) the classifier on each of those states

    @property
    def probs(self):
        return self.step_probs[-1]

    @property
    def digit(self):
        return int(np.argmax(self.probs))


def replace_rows(row_vectors, rows, vectors):
    """A copy of `row_vectors` `(28, row_units)` whose rows `rows` (0-based) are `vectors`: another digit's row
    summaries `(28, row_units)` (a transplant) or one summary `(row_units,)` for all of them (a blank row's: an
    erasure). The row reader reads each pixel row alone, so this is what it hands on for the image with those pixel
    rows copied or blanked."""
    out = np.array(row_vectors, dtype=np.float64)
    rows = sorted({int(r) for r in rows})
    vectors = np.asarray(vectors, dtype=np.float64)
    out[rows] = vectors[rows] if vectors.ndim == 2 else vectors
    return out


def blank_row_vector(weights):
    """The row reader's summary of a blank row `(row_units,)` (`weights`: `HrnnWeights`)."""
    return read_rows(weights, np.zeros((1, 28)))[0]


def intervene(weights, row_vectors, clamp=None):
    """The `Reading` of an input whose row summaries are `row_vectors` `(28, row_units)` (from `probe` or
    `hrnn.analysis.stepwise.read_rows`, maybe with rows replaced), with `clamp` (a checked `Clamp`) applied."""
    vectors = np.array(row_vectors, dtype=np.float64)
    hook = None
    if clamp is not None and clamp.layer == ROW_READER:
        vectors[clamp.from_row :, clamp.unit] = clamp.value
    elif clamp is not None:

        def hook(row, h):
            if row >= clamp.from_row:
                h = h.copy()
                h[:, clamp.unit] = clamp.value
            return h

    states, step_probs = read_image(weights, vectors, hook)
    return Reading(vectors, states, step_probs)
