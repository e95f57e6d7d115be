"""The image reader's memory: its hidden state, cell state and gates after every row, from the layer's own weights.

An LSTM step, with the weights laid out as Keras lays them out (gates i, f, c, o along the last axis of `kernel`,
`recurrent_kernel` and `bias`, each `units` wide; `hrnn.nn.layers.FusedLSTM` keeps that layout and is tested
against `keras.layers.LSTM`):

    z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias      (n, 4 * units), split into z_i, z_f, z_g, z_o
    i = sigmoid(z_i)   what the step writes into the memory   (the input gate)
    f = sigmoid(z_f)   what the memory keeps of itself         (the forget gate)
    g = tanh(z_g)      what would be written (the candidate)
    o = sigmoid(z_o)   what the memory shows as the state      (the output gate)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

`image_reader_memory` steps this recurrence in numpy over the row reader's 28 row vectors (the model's own row
encoder, `hrnn.nn.probe.row_encodings_batch`), starting from zero states, as the model does. The `h` it implies is the
image reader's own hidden state (tests check both against an independent numpy step and against the model).
"""

from dataclasses import dataclass

import numpy as np

from hrnn.nn.probe import image_reader, row_encodings_batch

GATES = ("i", "f", "g", "o")  # Keras's order of the four gate blocks in an LSTM's weights


@dataclass(frozen=True)
class LstmMemory:
    """An LSTM's states after every step, for a batch of sequences; every array `(n, steps, units)` float32."""

    hidden: np.ndarray  # h_t, in (-1, 1): what the reader shows after step t (the image reader's state after row t)
    cell: np.ndarray  # c_t: the memory itself, unbounded
    input_gate: np.ndarray  # i_t in (0, 1): how much of the candidate is written into the memory
    forget_gate: np.ndarray  # f_t in (0, 1): how much of the memory is kept from the step before
    output_gate: np.ndarray  # o_t in (0, 1): how much of tanh(memory) is shown as the hidden state
    candidate: np.ndarray  # g_t in (-1, 1): what would be written into the memory

    @property
    def units(self):
        return self.hidden.shape[-1]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact, and no overflow warning for large negative z


def lstm_memory(sequences, kernel, recurrent_kernel, bias):
    """Step an LSTM over `sequences` from zero states and keep every step's states and gates.

    Args:
        sequences: `(n, steps, features)` floats.
        kernel: `(features, 4 * units)`, recurrent_kernel: `(units, 4 * units)`, bias: `(4 * units,)`, gates i, f, c,
            o as Keras lays them out (`GATES`).

    Returns:
        `LstmMemory`, each array `(n, steps, units)` float32 (computed in float64).

    Raises:
        ValueError: for weights whose shapes do not fit each other or the sequences.
    """
    x = np.asarray(sequences, np.float64)
    kernel, recurrent_kernel, bias = (np.asarray(w, np.float64) for w in (kernel, recurrent_kernel, bias))
    units = recurrent_kernel.shape[0]
    if (
        x.ndim != 3
        or kernel.shape != (x.shape[2], 4 * units)
        or recurrent_kernel.shape != (units, 4 * units)
        or bias.shape != (4 * units,)
    ):
        raise ValueError(
            f"LSTM weights {kernel.shape}, {recurrent_kernel.shape}, {bias.shape} do not fit sequences {x.shape}"
        )
    n, steps, _ = x.shape
    x_gates = x @ kernel + bias  # (n, steps, 4 * units): the input's share of every gate, all steps at once
    out = {name: np.empty((n, steps, units), np.float32) for name in ("h", "c", *GATES)}
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    for t in range(steps):
        z = x_gates[:, t] + h @ recurrent_kernel  # (n, 4 * units)
        zi, zf, zg, zo = np.split(z, 4, axis=1)
        i, f, g, o = _sigmoid(zi), _sigmoid(zf), np.tanh(zg), _sigmoid(zo)
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in (("h", h), ("c", c), ("i", i), ("f", f), ("g", g), ("o", o)):
            out[name][:, t] = value
    return LstmMemory(
        hidden=out["h"],
        cell=out["c"],
        input_gate=out["i"],
        forget_gate=out["f"],
        output_gate=out["o"],
        candidate=out["g"],
    )


def image_reader_memory(model, images):
    """The image reader's (the column encoder's) states and gates after each row, for a batch of images.

    One compiled call of the model's row reader (`row_encodings_batch`), then the image reader's recurrence in numpy
    on its own weights (`lstm_memory`), read when called: a model being trained gives its current memory.

    Args:
        model: an HRNN (layers row_encoder, column_encoder, classifier).
        images: `(n, 28, 28, 1)` or `(n, 28, 28)` floats in [0, 1].

    Returns:
        `LstmMemory`, each array `(n, 28, col_units)`; `hidden[:, t]` is the image reader's state after row t + 1
        (`hrnn.nn.probe.ProbeResult.column_states`).

    Raises:
        ValueError: for images of another shape; ModelFileError: for a model that is not an HRNN.
    """
    rows = row_encodings_batch(model, images)  # (n, 28, row_units)
    cell = image_reader(model).cell
    return lstm_memory(rows, cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy())
