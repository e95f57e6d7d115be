"""A run's snapshots: the model read on the twenty grid digits at about 100 moments of training
(`hrnn.train.snapshots`), kept in the run folder by its worker (`SnapshotWriter`) and read back by anyone
(`SnapshotReader`). numpy and the standard library only.

Two files:

    snapshots.json  the header, written atomically before the first record: the schema, the number of digits, rows,
                    units and classes, the digits' true labels, and which arrays each kind of record holds
    snapshots.bin   the records, append-only: one per snapshot, each a fixed 36-byte head then its payload

A record's head (`RECORD_HEAD`, little-endian): the magic `b"HSNP"`, its kind (0: a state, 1: a memory), three
zero bytes, the payload's length and CRC-32, the global step, the images seen and the seconds since the run started.
Its payload is zlib-compressed float16: the arrays of its kind (`KINDS`) one after the other, each with its bytes
shuffled (every value's high bytes first, then the low bytes: the high bytes, sign and exponent, compress well).

What each kind keeps, the budget of a run folder being a few MB (20 digits x 28 rows x 128 units is 71,680
values per array, 143,360 bytes in float16):

    state   every scheduled snapshot: the probabilities (digits, classes) and the hidden state h (digits, 28, units),
            what the live view and the replay draw
    memory  each epoch's end and the run's end: the same, plus the cell state c and the input, forget and output
            gates (digits, 28, units) each

Writes are appends of whole records (one `write`); a record cut short by a kill or a full disk is a *torn* last record:
the reader ignores it (it is not listed), and the writer cuts it off before its next record. Readers never trust
the files: a header that is not what this module writes, or a complete record whose head or payload is wrong (its
magic, kind, length, CRC or size), raises `RecordError` naming the file and the record.
"""

import logging
import os
import struct
import threading
import zlib
from dataclasses import dataclass

import numpy as np

from hrnn.atomic import atomic_write_json
from hrnn.runs.store.records import RecordError, read_json

log = logging.getLogger(__name__)

HEADER_NAME = "snapshots.json"
RECORDS_NAME = "snapshots.bin"
SCHEMA = 1  # of both files; a reader refuses a newer one
MAGIC = b"HSNP"
RECORD_HEAD = struct.Struct("<4sB3xIIIQd")  # magic, kind, length, crc32, step, images seen, seconds: 36 bytes
STATE, MEMORY = 0, 1
KINDS = {  # kind -> the arrays of its payload, in order
    STATE: ("probs", "hidden"),
    MEMORY: ("probs", "hidden", "cell", "input_gate", "forget_gate", "output_gate"),
}
KIND_NAMES = {STATE: "state", MEMORY: "memory"}
COMPRESSION_LEVEL = 1  # zlib's fastest: float16 states gain little from more effort, and it is the worker's time
MAX_UNITS = 4096  # hrnn.train.limits.UNITS_MAX: a header claiming more is damaged
MAX_DIGITS, MAX_CLASSES, ROWS = 1000, 1000, 28


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

    def raw_size(self, kind):
        """Bytes of a record's payload of `kind` before compression."""
        return sum(2 * int(np.prod(self.shape(a))) for a in KINDS[kind])

    def to_json(self):
        return {
            "schema": SCHEMA,
            "digits": self.digits,
            "rows": self.rows,
            "units": self.units,
            "classes": self.classes,
            "labels": list(self.labels),
            "dtype": "float16",
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
        if values.get("dtype") != "float16" or values.get("kinds") != cls(**sizes, labels=()).to_json()["kinds"]:
            raise RecordError(f"{HEADER_NAME}: its records are not laid out as this hrnn reads them")
        return cls(**sizes, labels=tuple(labels))


def _max_payload(raw_size):
    """The longest zlib stream of `raw_size` bytes: zlib adds at most 5 bytes per 16 KB block and a few more."""
    return raw_size + raw_size // 1000 + 1024


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class SnapshotTime:
    """When one snapshot was taken, and what it holds."""

    index: int  # its place among the run's snapshots, from 0
    step: int  # batches trained on
    samples_seen: int  # images trained on
    seconds: float  # since the run started
    memory: bool  # it holds the cell state and gates too (an epoch's end, the run's end)


@dataclass(frozen=True)
class StoredSnapshot:
    """One snapshot as read back; arrays float32 (stored as float16)."""

    time: SnapshotTime
    probs: np.ndarray  # (digits, classes)
    hidden: np.ndarray  # (digits, 28, units)
    cell: np.ndarray | None = None  # (digits, 28, units), in a memory record only
    input_gate: np.ndarray | None = None  # (digits, 28, units), in a memory record only
    forget_gate: np.ndarray | None = None
    output_gate: np.ndarray | None = None


def _shuffled(array):
    """float16 bytes of `array`, every value's high byte first, then the low bytes."""
    return np.ascontiguousarray(array, "<f2").view(np.uint8).reshape(-1, 2)[:, ::-1].T.tobytes()


def _unshuffled(data, shape):
    count = int(np.prod(shape))
    pairs = np.frombuffer(data, np.uint8).reshape(2, count).T[:, ::-1]  # (count, 2): low byte, high byte
    return np.ascontiguousarray(pairs).view("<f2").reshape(shape).astype(np.float32)


def encode_record(snapshot):
    """The bytes of one record (head and payload) for `snapshot` (an `hrnn.train.snapshots.Snapshot`)."""
    kind = MEMORY if snapshot.full else STATE
    memory = snapshot.memory
    arrays = {
        "probs": snapshot.probs,
        "hidden": memory.hidden,
        "cell": memory.cell,
        "input_gate": memory.input_gate,
        "forget_gate": memory.forget_gate,
        "output_gate": memory.output_gate,
    }
    payload = zlib.compress(b"".join(_shuffled(arrays[name]) for name in KINDS[kind]), COMPRESSION_LEVEL)
    head = RECORD_HEAD.pack(
        MAGIC,
        kind,
        len(payload),
        zlib.crc32(payload),
        snapshot.step,
        snapshot.samples_seen,
        snapshot.seconds,
    )
    return head + payload


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


class SnapshotWriter:
    """Keeps a run's snapshots in its folder: a sink for `hrnn.train.loop.train(on_snapshot=...)`.

    It never raises for a file that cannot be written (a full disk, a folder made read-only): it logs one line and
    the run trains on; the snapshot is lost, and a record half written is cut off before the next one.
    """

    def __init__(self, folder):
        self.header_path = os.path.join(folder, HEADER_NAME)
        self.records_path = os.path.join(folder, RECORDS_NAME)
        self.written = 0  # records written whole
        self.bytes = 0  # bytes of snapshots.bin written whole
        self._header = None
        self._fd = None
        self._lock = threading.Lock()

    def __call__(self, snapshot):
        with self._lock:
            try:
                self._write(snapshot)
            except OSError as exc:
                log.warning("snapshot at step %d not kept: %s", snapshot.step, exc.strerror or exc)
                log.debug("snapshot write failure", exc_info=True)

    def _write(self, snapshot):
        if self._header is None:
            header = header_for(snapshot)
            atomic_write_json(self.header_path, header.to_json())
            self._header = header
        if self._fd is None:
            self._fd = os.open(self.records_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            self.bytes = 0
        record = encode_record(snapshot)
        try:
            os.lseek(self._fd, self.bytes, os.SEEK_SET)
            view = memoryview(record)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            try:
                os.ftruncate(self._fd, self.bytes)  # cut off what was written of this record
            except OSError:
                log.debug("could not cut off a torn snapshot record", exc_info=True)
            raise
        self.bytes += len(record)
        self.written += 1

    def close(self):
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class SnapshotReader:
    """Reads a run's snapshots (see the module docstring); follows a file that grows (each `times()` reads only the
    heads of records added since the last call). Thread-safe.

    Raises (from `header`, `times` and `read`):
        RecordError: no snapshots (`has_snapshots` is False: a run from before them, or one not yet at its first),
            a damaged header or a damaged record, naming the file.
    """

    def __init__(self, folder):
        self.header_path = os.path.join(folder, HEADER_NAME)
        self.records_path = os.path.join(folder, RECORDS_NAME)
        self._header = None
        self._times = []  # SnapshotTime, one per whole record read so far
        self._offsets = []  # (payload offset, payload length) of each
        self._scanned = 0  # bytes of snapshots.bin read as whole records
        self._lock = threading.Lock()

    @property
    def has_snapshots(self):
        """Whether the run keeps snapshots (its header exists)."""
        try:
            return os.path.isfile(self.header_path)
        except OSError:
            return False

    @property
    def header(self):
        """The `SnapshotHeader`; raises RecordError."""
        with self._lock:
            return self._read_header()

    def _read_header(self):
        if self._header is None:
            self._header = SnapshotHeader.from_json(read_json(self.header_path))
        return self._header

    def times(self):
        """Every whole snapshot so far, in order: a list of `SnapshotTime`. A torn last record is not listed.

        Raises:
            RecordError: the header is missing or damaged, or a whole record's head is wrong.
        """
        with self._lock:
            header = self._read_header()
            self._scan(header)
            return list(self._times)

    def _scan(self, header):
        try:
            with open(self.records_path, "rb") as fh:
                fh.seek(self._scanned)
                while True:
                    head = fh.read(RECORD_HEAD.size)
                    if len(head) < RECORD_HEAD.size:
                        return  # the end, or a torn head
                    magic, kind, length, crc, step, samples, seconds = RECORD_HEAD.unpack(head)
                    where = f"{RECORDS_NAME}: record {len(self._times) + 1} (at byte {self._scanned})"
                    if magic != MAGIC or kind not in KINDS:
                        raise RecordError(f"{where} is not a snapshot record: the file is damaged")
                    if not 0 < length <= _max_payload(header.raw_size(kind)) or not 0 <= seconds < float("inf"):
                        raise RecordError(f"{where} has an impossible length or time: the file is damaged")
                    payload_at = self._scanned + RECORD_HEAD.size
                    fh.seek(payload_at + length)
                    if fh.tell() > os.fstat(fh.fileno()).st_size:
                        return  # a torn last record: its payload is not all there
                    self._times.append(SnapshotTime(len(self._times), step, samples, seconds, kind == MEMORY))
                    self._offsets.append((payload_at, length, kind, crc))
                    self._scanned = payload_at + length
        except FileNotFoundError:
            return  # a header but no record yet
        except OSError as exc:
            raise RecordError(f"{RECORDS_NAME} cannot be read ({exc.strerror or exc})") from None

    def read(self, index):
        """The snapshot at `index` (of `times()`), its arrays float32 and shaped as the header says.

        Raises:
            RecordError: the record's payload is damaged (CRC, compression or size), or it cannot be read.
            IndexError: no such snapshot (yet).
        """
        with self._lock:
            header = self._read_header()
            if not 0 <= index < len(self._times):
                self._scan(header)
            if not 0 <= index < len(self._times):
                raise IndexError(f"no snapshot {index}: {len(self._times)} so far")
            time, (offset, length, kind, crc) = self._times[index], self._offsets[index]
        where = f"{RECORDS_NAME}: record {index + 1}"
        try:
            with open(self.records_path, "rb") as fh:
                fh.seek(offset)
                payload = fh.read(length)
        except OSError as exc:
            raise RecordError(f"{RECORDS_NAME} cannot be read ({exc.strerror or exc})") from None
        if len(payload) != length or zlib.crc32(payload) != crc:
            raise RecordError(f"{where} is damaged (its checksum does not match)")
        raw_size = header.raw_size(kind)
        try:
            decompressor = zlib.decompressobj()
            raw = decompressor.decompress(payload, raw_size + 1)  # never more than a record of this kind can hold
        except zlib.error as exc:
            raise RecordError(f"{where} is damaged ({exc})") from None
        if len(raw) != raw_size:
            raise RecordError(f"{where} holds {len(raw)} bytes, expected {raw_size}: the file is damaged")
        arrays, at = {}, 0
        for name in KINDS[kind]:
            shape = header.shape(name)
            size = 2 * int(np.prod(shape))
            arrays[name] = _unshuffled(raw[at : at + size], shape)
            at += size
        return StoredSnapshot(time=time, **arrays)
