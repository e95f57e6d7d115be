"""How a snapshot (`hrnn.train.snapshots.Snapshot`) is laid out on disk: its header, its record head and its payload,
and the 8-bit hidden state that keeps a quick demo's hundred moments under 5 MB. numpy and the standard library only;
`hrnn.runs.store.snapshots` reads and writes the files.

Three kinds of record (`KINDS`):

    key     a scheduled snapshot or an epoch's end: the probabilities (float16) and the hidden state h as 8-bit codes,
            each row's codes given as the change from the row above (`code = round((h + 1) * 127)`, 0..254: h comes
            back within 1/254, far below the smallest step a heatmap's colour scale shows)
    delta   the same moment's probabilities (float16) and h as the change of those row differences since the record
            before it (modulo 256), which moves less from one moment to the next than h itself and compresses to
            about half; a delta follows a key or a delta, and every `KEY_EVERY`th state record is a key again
    memory  the run's end only: the probabilities, h, the cell state c and the input, forget and output gates, each
            float16 (the view that compares the end with the final model, and Inside's memory, need them whole)

float16 arrays are stored with their bytes shuffled (every value's high byte first, then the low bytes: the high
bytes, sign and exponent, compress well); every payload is then zlib-compressed.
"""

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from hrnn.runs.store.records import RecordError

HEADER_NAME = "snapshots.json"
RECORDS_NAME = "snapshots.bin"
SCHEMA = 1  # of both files; a reader refuses a newer one
MAGIC = b"HSNP"
RECORD_HEAD = struct.Struct("<4sB3xIIIQd")  # magic, kind, length, crc32, step, images seen, seconds: 36 bytes
KEY, MEMORY, DELTA = 0, 1, 2
KINDS = {  # kind -> the arrays of its payload, in order
    KEY: ("probs", "hidden_codes"),
    MEMORY: ("probs", "hidden", "cell", "input_gate", "forget_gate", "output_gate"),
    DELTA: ("probs", "hidden_code_changes"),
}
KIND_NAMES = {KEY: "key", MEMORY: "memory", DELTA: "delta"}
KEY_EVERY = 10  # a state record in ten is a key: reading any snapshot decodes at most ten
CODE_SCALE = 127  # h = code / CODE_SCALE - 1
COMPRESSION_LEVEL = 6  # zlib's default: the 8-bit codes come out 3% smaller than at its fastest, in 1-3 ms a record
MAX_UNITS = 4096  # hrnn.train.limits.UNITS_MAX: a header claiming more is damaged
MAX_DIGITS, MAX_CLASSES, ROWS = 1000, 1000, 28


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class SnapshotHeader:
    """What every record of a run's snapshots has the shape of (`snapshots.json`)."""

    digits: int  # how many grid digits each snapshot reads (20)
    rows: int  # 28: the image reader's steps
    units: int  # the image reader's units
    classes: int  # 10
    labels: tuple  # (digits,) the digits' true labels

    def shape(self, array):
        """The shape of one of `KINDS`' arrays."""
        return (self.digits, self.classes) if array == "probs" else (self.digits, self.rows, self.units)

    def size(self, array):
        """Bytes of one of `KINDS`' arrays before compression: 2 a value in float16, 1 an 8-bit code."""
        return int(np.prod(self.shape(array))) * (1 if array.startswith("hidden_code") else 2)

    def raw_size(self, kind):
        """Bytes of a record's payload of `kind` before compression."""
        return sum(self.size(a) for a in KINDS[kind])

    def to_json(self):
        return {
            "schema": SCHEMA,
            "digits": self.digits,
            "rows": self.rows,
            "units": self.units,
            "classes": self.classes,
            "labels": list(self.labels),
            "dtype": "float16",
            "hidden_codes": f"uint8, h = code / {CODE_SCALE} - 1, rows as differences",
            "key_every": KEY_EVERY,
            "kinds": {KIND_NAMES[k]: list(arrays) for k, arrays in KINDS.items()},
        }

    @classmethod
    def from_json(cls, values):
        """Raises RecordError naming the first problem."""
        if not isinstance(values, dict):
            raise RecordError(f"{HEADER_NAME}: expected an object")
        schema = values.get("schema")
        if not _is_int(schema) or schema < 1:
            raise RecordError(f"{HEADER_NAME}: schema: expected a positive integer, got {schema!r}")
        if schema > SCHEMA:
            raise RecordError(f"{HEADER_NAME}: written by a newer hrnn (schema {schema}; this one reads {SCHEMA})")
        sizes = {}
        for name, high in (("digits", MAX_DIGITS), ("rows", ROWS), ("units", MAX_UNITS), ("classes", MAX_CLASSES)):
            value = values.get(name)
            if not _is_int(value) or not 1 <= value <= high:
                raise RecordError(f"{HEADER_NAME}: {name}: expected an integer from 1 to {high}, got {value!r}")
            sizes[name] = value
        if sizes["rows"] != ROWS:
            raise RecordError(f"{HEADER_NAME}: rows: expected {ROWS}, got {sizes['rows']}")
        labels = values.get("labels")
        if (
            not isinstance(labels, list)
            or len(labels) != sizes["digits"]
            or not all(_is_int(v) and 0 <= v < sizes["classes"] for v in labels)
        ):
            raise RecordError(
                f"{HEADER_NAME}: labels: expected {sizes['digits']} labels from 0 to {sizes['classes'] - 1}"
            )
        expected = cls(**sizes, labels=()).to_json()
        if any(values.get(k) != expected[k] for k in ("dtype", "hidden_codes", "key_every", "kinds")):
            raise RecordError(f"{HEADER_NAME}: its records are not laid out as this hrnn reads them")
        return cls(**sizes, labels=tuple(labels))


def header_for(snapshot):
    """The `SnapshotHeader` of a run whose snapshots are shaped as `snapshot`."""
    digits, classes = snapshot.probs.shape
    return SnapshotHeader(
        digits=digits,
        rows=snapshot.memory.hidden.shape[1],
        units=snapshot.memory.units,
        classes=classes,
        labels=tuple(int(v) for v in snapshot.labels),
    )


def max_payload(raw_size):
    """The longest zlib stream of `raw_size` bytes: zlib adds at most 5 bytes per 16 KB block and a few more."""
    return raw_size + raw_size // 1000 + 1024


def shuffled(array):
    """float16 bytes of `array`, every value's high byte first, then the low bytes."""
    return np.ascontiguousarray(array, "<f2").view(np.uint8).reshape(-1, 2)[:, ::-1].T.tobytes()


def unshuffled(data, shape):
    """The float32 array `shape` that `shuffled` gave `data` for."""
    count = int(np.prod(shape))
    pairs = np.frombuffer(data, np.uint8).reshape(2, count).T[:, ::-1]  # (count, 2): low byte, high byte
    return np.ascontiguousarray(pairs).view("<f2").reshape(shape).astype(np.float32)


def row_differences(hidden):
    """The 8-bit codes of `hidden` `(digits, 28, units)` in [-1, 1], each row as the change from the row above (the
    first from the middle code): uint8, modulo 256."""
    codes = np.clip(np.rint((np.asarray(hidden, np.float32) + 1) * CODE_SCALE), 0, 2 * CODE_SCALE).astype(np.int16)
    return (np.diff(codes, axis=1, prepend=CODE_SCALE) % 256).astype(np.uint8)


def hidden_from(differences):
    """h `(digits, 28, units)` float32 from its row differences (`row_differences`)."""
    codes = (np.cumsum(differences, axis=1, dtype=np.int64) + CODE_SCALE) % 256
    return (codes / CODE_SCALE - 1).astype(np.float32)


def encode_record(snapshot, kind, differences=None, before=None):
    """The bytes of one record (head and payload) for `snapshot` (an `hrnn.train.snapshots.Snapshot`) of `kind`;
    `differences`: its h's `row_differences` (a key or a delta), `before`: the previous record's (a delta)."""
    if kind == MEMORY:
        memory = snapshot.memory
        arrays = (snapshot.probs, memory.hidden, memory.cell, memory.input_gate, memory.forget_gate, memory.output_gate)
        raw = b"".join(shuffled(a) for a in arrays)
    else:
        codes = differences if kind == KEY else differences - before  # uint8: modulo 256
        raw = shuffled(snapshot.probs) + codes.tobytes()
    payload = zlib.compress(raw, COMPRESSION_LEVEL)
    head = RECORD_HEAD.pack(
        MAGIC, kind, len(payload), zlib.crc32(payload), snapshot.step, snapshot.samples_seen, snapshot.seconds
    )
    return head + payload


def decode_payload(header, kind, payload, where):
    """`{array name: array}` of a record's payload (its CRC checked already): float16 arrays as float32, 8-bit codes
    as uint8. Raises RecordError naming `where` when it does not decompress to the size its kind has."""
    raw_size = header.raw_size(kind)
    try:
        raw = zlib.decompressobj().decompress(payload, raw_size + 1)  # never more than a record of this kind holds
    except zlib.error as exc:
        raise RecordError(f"{where} is damaged ({exc})") from None
    if len(raw) != raw_size:
        raise RecordError(f"{where} holds {len(raw)} bytes, expected {raw_size}: the file is damaged")
    arrays, at = {}, 0
    for name in KINDS[kind]:
        shape, size = header.shape(name), header.size(name)
        part = raw[at : at + size]
        coded = name.startswith("hidden_code")
        arrays[name] = np.frombuffer(part, np.uint8).reshape(shape) if coded else unshuffled(part, shape)
        at += size
    return arrays
