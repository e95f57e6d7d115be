"""A run's snapshots on disk: written whole or not at all, read back within their precision (h within 1/254 in a key
or a delta, float16 at the end), never trusted: a torn last record is ignored, a damaged header or record is a
`RecordError` naming the file."""

import json
import os

import numpy as np
import pytest

from hrnn.runs.store import snapshot_codec as codec
from hrnn.runs.store.records import RecordError
from hrnn.runs.store.snapshot_codec import DELTA, KEY, KEY_EVERY, MEMORY
from hrnn.runs.store.snapshots import HEADER_NAME, RECORD_HEAD, RECORDS_NAME, SnapshotReader, SnapshotWriter
from tests.support.snapshots import EIGHT_BITS, FLOAT16, LABELS, UNITS, make_snapshot


def write(folder, snapshots):
    writer = SnapshotWriter(folder)
    for snapshot in snapshots:
        writer(snapshot)
    writer.close()
    return writer


def test_snapshots_read_back_within_float16(tmp_path):
    written = [make_snapshot(9), make_snapshot(18), make_snapshot(20, full=True)]
    write(tmp_path, written)
    reader = SnapshotReader(tmp_path)
    assert reader.has_snapshots
    assert reader.header.labels == LABELS and reader.header.units == UNITS
    times = reader.times()
    assert [(t.index, t.step, t.samples_seen, t.seconds, t.memory) for t in times] == [
        (0, 9, 288, 4.5, False),
        (1, 18, 576, 9.0, False),
        (2, 20, 640, 10.0, True),
    ]
    state, memory = reader.read(1), reader.read(2)
    assert state.cell is None and state.forget_gate is None
    np.testing.assert_allclose(state.hidden, written[1].memory.hidden, **EIGHT_BITS)
    np.testing.assert_allclose(state.probs, written[1].probs, **FLOAT16)
    for name, expected in (
        ("hidden", written[2].memory.hidden),
        ("cell", written[2].memory.cell),
        ("input_gate", written[2].memory.input_gate),
        ("forget_gate", written[2].memory.forget_gate),
        ("output_gate", written[2].memory.output_gate),
    ):
        got = getattr(memory, name)
        assert got.shape == (20, 28, UNITS) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, **FLOAT16, err_msg=name)


def test_a_reader_follows_a_growing_file(tmp_path):
    writer = SnapshotWriter(tmp_path)
    writer(make_snapshot(1))
    reader = SnapshotReader(tmp_path)
    assert len(reader.times()) == 1
    writer(make_snapshot(2))
    writer(make_snapshot(3, full=True))
    assert [t.step for t in reader.times()] == [1, 2, 3]
    assert reader.read(2).cell is not None
    writer.close()


def test_a_snapshot_read_again_is_not_decoded_again_and_nobody_can_change_it(tmp_path, monkeypatch):
    snapshots = [make_snapshot(k + 1, full=k == 4) for k in range(5)]
    write(tmp_path, snapshots)
    reader = SnapshotReader(tmp_path)  # one per run folder, shared by every watcher of the run
    first = reader.read(3)
    decoded = []
    monkeypatch.setattr(reader, "_decode", lambda *args: decoded.append(args) or pytest.fail("decoded again"))
    assert reader.read(3) is first  # every watcher's second-by-second look at the live snapshot
    assert not decoded
    with pytest.raises(ValueError, match="read-only"):
        first.hidden[0, 0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        first.probs[0, 0] = 5.0
    np.testing.assert_array_equal(first.hidden, SnapshotReader(tmp_path).read(3).hidden)


def test_a_run_without_snapshots_says_so(tmp_path):
    reader = SnapshotReader(tmp_path)
    assert not reader.has_snapshots
    with pytest.raises(RecordError, match="no snapshots.json"):
        reader.times()


def test_a_torn_last_record_is_ignored(tmp_path):
    write(tmp_path, [make_snapshot(1), make_snapshot(2)])
    path = tmp_path / RECORDS_NAME
    whole = path.stat().st_size
    os.truncate(path, whole - 100)  # the second record's payload cut short (a kill, a full disk)
    reader = SnapshotReader(tmp_path)
    assert [t.step for t in reader.times()] == [1]
    os.truncate(path, whole - (whole - RECORD_HEAD.size) // 2 - 1)
    with open(path, "ab") as fh:
        fh.write(b"HSN")  # a head cut short
    assert [t.step for t in SnapshotReader(tmp_path).times()] == [1]
    with pytest.raises(IndexError):
        reader.read(1)


def test_a_record_torn_by_a_failed_write_is_cut_off_before_the_next(tmp_path, monkeypatch, caplog):
    writer = SnapshotWriter(tmp_path)
    writer(make_snapshot(1))
    real_write = os.write

    def half_then_full_disk(fd, data):
        if len(data) > 100:
            real_write(fd, bytes(data[:100]))
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", half_then_full_disk)
    writer(make_snapshot(2))  # logged, not raised
    monkeypatch.setattr(os, "write", real_write)
    writer(make_snapshot(3))
    writer.close()
    assert "snapshot at step 2 not kept: No space left on device" in caplog.text
    reader = SnapshotReader(tmp_path)
    assert [t.step for t in reader.times()] == [1, 3]
    np.testing.assert_allclose(reader.read(1).hidden, make_snapshot(3).memory.hidden, **EIGHT_BITS)


@pytest.mark.parametrize(
    "header, message",
    [
        ("{", "not valid JSON"),
        ("[]", "expected an object"),
        ('{"schema": 2}', "newer hrnn"),
        ('{"schema": 1, "digits": 20, "rows": 28, "units": -1, "classes": 10}', "units: expected an integer"),
        ('{"schema": 1, "digits": 20, "rows": 28, "units": 6, "classes": 10, "labels": [1]}', "labels"),
    ],
)
def test_a_damaged_header_is_a_record_error(tmp_path, header, message):
    write(tmp_path, [make_snapshot(1)])
    (tmp_path / HEADER_NAME).write_text(header)
    with pytest.raises(RecordError, match=message):
        SnapshotReader(tmp_path).times()


def test_a_header_of_another_layout_is_refused(tmp_path):
    write(tmp_path, [make_snapshot(1)])
    values = json.loads((tmp_path / HEADER_NAME).read_text())
    values["kinds"]["state"] = ["hidden", "probs"]
    (tmp_path / HEADER_NAME).write_text(json.dumps(values))
    with pytest.raises(RecordError, match="not laid out"):
        SnapshotReader(tmp_path).times()


def test_a_damaged_record_head_is_a_record_error(tmp_path):
    write(tmp_path, [make_snapshot(1), make_snapshot(2)])
    path = tmp_path / RECORDS_NAME
    data = bytearray(path.read_bytes())
    second = RECORD_HEAD.size + RECORD_HEAD.unpack_from(data)[2]
    data[second : second + 4] = b"XXXX"
    path.write_bytes(bytes(data))
    with pytest.raises(RecordError, match=r"snapshots.bin: record 2 \(at byte \d+\) is not a snapshot record"):
        SnapshotReader(tmp_path).times()


def test_an_impossible_record_length_is_a_record_error(tmp_path):
    write(tmp_path, [make_snapshot(1)])
    path = tmp_path / RECORDS_NAME
    data = bytearray(path.read_bytes())
    data[8:12] = (2**31).to_bytes(4, "little")  # a length no record of 6 units can have
    path.write_bytes(bytes(data))
    with pytest.raises(RecordError, match="impossible length"):
        SnapshotReader(tmp_path).times()


def test_a_damaged_payload_is_a_record_error(tmp_path):
    write(tmp_path, [make_snapshot(1), make_snapshot(2), make_snapshot(3, full=True)])
    path = tmp_path / RECORDS_NAME
    data = bytearray(path.read_bytes())
    data[RECORD_HEAD.size + 10] ^= 0xFF  # one byte of the first payload
    path.write_bytes(bytes(data))
    reader = SnapshotReader(tmp_path)
    assert len(reader.times()) == 3  # the heads are whole
    for index in (0, 1):  # the first, and the delta that builds on it
        with pytest.raises(RecordError, match="record 1 is damaged"):
            reader.read(index)
    assert reader.read(2).time.step == 3  # the end's memory stands alone


def test_a_payload_of_the_wrong_size_is_a_record_error(tmp_path, monkeypatch):
    monkeypatch.setattr(codec, "shuffled", lambda array: np.zeros(3, np.uint8).tobytes())  # a writer gone wrong
    write(tmp_path, [make_snapshot(1)])
    reader = SnapshotReader(tmp_path)
    with pytest.raises(RecordError, match=f"holds {3 + 20 * 28 * UNITS} bytes"):
        reader.read(0)


def kinds_on_disk(path):
    """The kind of every record in `snapshots.bin`, from the heads."""
    data, at, kinds = path.read_bytes(), 0, []
    while at < len(data):
        _, kind, length, *_ = RECORD_HEAD.unpack_from(data, at)
        kinds.append(kind)
        at += RECORD_HEAD.size + length
    return kinds


def test_every_state_comes_back_from_its_key_and_deltas_in_any_order(tmp_path):
    snapshots = [make_snapshot(k + 1, full=k == 24) for k in range(25)]
    write(tmp_path, snapshots)
    kinds = kinds_on_disk(tmp_path / RECORDS_NAME)
    assert kinds[0] == KEY and kinds[KEY_EVERY] == KEY and kinds[2 * KEY_EVERY] == KEY and kinds[-1] == MEMORY
    assert kinds.count(DELTA) == 21
    shared = SnapshotReader(tmp_path)  # reads on from the last one it decoded
    order = [*np.random.default_rng(3).permutation(25), 13, 14, 15, 3, 24, 12]
    for index in map(int, order):
        tolerance = FLOAT16 if index == 24 else EIGHT_BITS
        for reader in (shared, SnapshotReader(tmp_path)):
            got = reader.read(index)
            np.testing.assert_allclose(got.hidden, snapshots[index].memory.hidden, **tolerance, err_msg=str(index))
            np.testing.assert_allclose(got.probs, snapshots[index].probs, **FLOAT16)


def test_a_delta_with_no_key_before_it_is_a_record_error(tmp_path):
    write(tmp_path, [make_snapshot(1), make_snapshot(2)])
    path = tmp_path / RECORDS_NAME
    data = bytearray(path.read_bytes())
    data[4] = DELTA  # the first record claims to build on one before it
    path.write_bytes(bytes(data))
    for index in (0, 1):
        with pytest.raises(RecordError, match=f"record {index + 1} follows no key"):
            SnapshotReader(tmp_path).read(index)
