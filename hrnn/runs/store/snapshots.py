"""A run's snapshots: the model read on the twenty grid digits at about 100 moments of training
(`hrnn.train.snapshots`), kept in the run folder by its worker (`SnapshotWriter`) and read back by anyone
(`SnapshotReader`). numpy and the standard library only.

Two files:

    snapshots.json  the header, written atomically before the first record: the schema, the number of digits, rows,
                    units and classes, the digits' true labels, and how each kind of record is laid out
    snapshots.bin   the records, append-only: one per snapshot, each a fixed 36-byte head then its payload

A record's head (`RECORD_HEAD`, little-endian): the magic `b"HSNP"`, its kind (`KINDS`: a key, a delta or a
memory), three zero bytes, the payload's length and CRC-32, the global step, the images seen and the seconds since the
run started. What each kind holds, and why h is kept in 8 bits between the run's start and end, is in
`hrnn.runs.store.snapshot_codec`. A quick demo on the offline sample (114 snapshots of 20 digits at 128 units) keeps
about 4 MB.

Writes are appends of whole records (one `write`); a record cut short by a kill or a full disk is a *torn* last record:
the reader ignores it (it is not listed), and the writer cuts it off before its next record (a key: the lost record's
changes are not there to build on). Readers never trust the files: a header that is not what this module writes, or a
complete record whose head or payload is wrong (its magic, kind, length, CRC or size), raises `RecordError` naming the
file and the record.
"""

import logging
import os
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from hrnn.atomic import atomic_write_json
from hrnn.runs.store.reading import RecordError, read_json
from hrnn.runs.store.snapshot_codec import (
    DELTA,
    HEADER_NAME,
    KEY,
    KEY_EVERY,
    KINDS,
    MAGIC,
    MEMORY,
    RECORD_HEAD,
    RECORDS_NAME,
    SnapshotHeader,
    decode_payload,
    encode_record,
    header_for,
    hidden_from,
    max_payload,
    row_differences,
)

__all__ = ["HEADER_NAME", "RECORDS_NAME", "RECORD_HEAD", "SnapshotReader", "SnapshotTime", "SnapshotWriter"]

log = logging.getLogger(__name__)
RECENT_KEPT = 8  # decoded snapshots a reader keeps: the live one, and a replay's neighbours


@dataclass(frozen=True)
class SnapshotTime:
    """When one snapshot was taken, and what it holds."""

    index: int  # its place among the run's snapshots, from 0
    step: int  # batches trained on
    samples_seen: int  # images trained on
    seconds: float  # since the run started
    memory: bool  # it holds the cell state and gates too, and h in float16 (the run's end)


@dataclass(frozen=True)
class StoredSnapshot:
    """One snapshot as read back; arrays float32 (h within 1/254 in a key or delta, float16 in a memory record)."""

    time: SnapshotTime
    probs: np.ndarray  # (digits, classes)
    hidden: np.ndarray  # (digits, 28, units)
    cell: np.ndarray | None = None  # (digits, 28, units), in a memory record only
    input_gate: np.ndarray | None = None  # (digits, 28, units), in a memory record only
    forget_gate: np.ndarray | None = None
    output_gate: np.ndarray | None = None


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
        self._before = None  # the row differences of the last state record written, which a delta builds on
        self._since_key = 0  # deltas written since the last key
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
        differences = None if snapshot.full else row_differences(snapshot.memory.hidden)
        if snapshot.full:
            kind = MEMORY
        elif self._before is None or self._since_key + 1 >= KEY_EVERY:
            kind = KEY
        else:
            kind = DELTA
        record = encode_record(snapshot, kind, differences, self._before)
        try:
            os.lseek(self._fd, self.bytes, os.SEEK_SET)
            view = memoryview(record)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            self._before = None  # the next record is a key: this one's changes are not on disk to build on
            try:
                os.ftruncate(self._fd, self.bytes)  # cut off what was written of this record
            except OSError:
                log.debug("could not cut off a torn snapshot record", exc_info=True)
            raise
        self.bytes += len(record)
        self.written += 1
        self._before = differences
        self._since_key = 0 if kind != DELTA else self._since_key + 1

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
        self._offsets = []  # (payload offset, payload length, kind, CRC-32) of each
        self._scanned = 0  # bytes of snapshots.bin read as whole records
        self._decoded = None  # (index, row differences) of the last state record's h decoded
        self._recent = OrderedDict()  # index -> StoredSnapshot, the last RECENT_KEPT read (a record never changes)
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
                    if not 0 < length <= max_payload(header.raw_size(kind)) or not 0 <= seconds < float("inf"):
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
            if index in self._recent:  # every watcher of a live run reads the same latest one each second
                self._recent.move_to_end(index)
                return self._recent[index]
            time, (offset, length, kind, crc) = self._times[index], self._offsets[index]
        arrays = self._decode(header, index, kind, self._payload(index, offset, length, crc))
        if kind == MEMORY:
            shot = StoredSnapshot(time=time, **arrays)
        else:
            if kind == KEY:
                differences = arrays["differences"]
            else:
                differences = self._differences(header, index - 1) + arrays["changes"]  # uint8: modulo 256
            with self._lock:
                self._decoded = (index, differences)
            shot = StoredSnapshot(time=time, probs=arrays["probs"], hidden=hidden_from(differences))
        for array in vars(shot).values():
            if isinstance(array, np.ndarray):
                array.flags.writeable = False  # shared by every reader of the run: nobody changes it
        with self._lock:
            self._recent[index] = shot
            while len(self._recent) > RECENT_KEPT:
                self._recent.popitem(last=False)
        return shot

    def _payload(self, index, offset, length, crc):
        try:
            with open(self.records_path, "rb") as fh:
                fh.seek(offset)
                payload = fh.read(length)
        except OSError as exc:
            raise RecordError(f"{RECORDS_NAME} cannot be read ({exc.strerror or exc})") from None
        if len(payload) != length or zlib.crc32(payload) != crc:
            raise RecordError(f"{RECORDS_NAME}: record {index + 1} is damaged (its checksum does not match)")
        return payload

    def _decode(self, header, index, kind, payload):
        arrays = decode_payload(header, kind, payload, f"{RECORDS_NAME}: record {index + 1}")
        if kind == DELTA:
            arrays["changes"] = arrays.pop("hidden_code_changes")
        elif kind == KEY:
            arrays["differences"] = arrays.pop("hidden_codes")
        return arrays

    def _differences(self, header, index):
        """The row differences of state record `index`'s h: its key's, plus every delta's changes up to it (from the
        last one decoded when reading on from it, as a replay and a live view do)."""
        with self._lock:
            kinds = [place[2] for place in self._offsets[: index + 1]]
            cached = self._decoded
        key = index
        while key >= 0 and kinds[key] == DELTA:
            key -= 1
        if key < 0 or kinds[key] != KEY:
            raise RecordError(f"{RECORDS_NAME}: record {index + 2} follows no key: the file is damaged")
        if cached is not None and key <= cached[0] <= index:
            start, differences = cached
        else:
            start, differences = key, self._decode(header, key, KEY, self._payload(key, *self._place(key)))
            differences = differences["differences"]
        for k in range(start + 1, index + 1):
            differences = differences + self._decode(header, k, DELTA, self._payload(k, *self._place(k)))["changes"]
        return differences

    def _place(self, index):
        offset, length, _, crc = self._offsets[index]
        return offset, length, crc
