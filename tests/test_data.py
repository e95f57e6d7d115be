"""MNIST sources: the npz and IDX readers, the offline sample, the 'auto' order, and every refusal."""

import gzip

import numpy as np
import pytest

from hrnn import data as data_module
from hrnn.data import DataError, load_mnist, load_path, load_sample, read_idx
from tests.conftest import make_mnist, write_npz

NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array):
    """An IDX file's bytes for a uint8 array of labels (n,) or images (n, rows, cols)."""
    array = np.asarray(array, np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx_folder(folder, mnist, gz=False, dotted=False):
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in NAMES.items():
        name = stem.replace("-idx", ".idx") if dotted else stem
        raw = idx_bytes(getattr(mnist, key))
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return folder


@pytest.fixture
def small():
    return make_mnist(n_train=30, n_test=10)


def _same(loaded, original):
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(loaded, key), getattr(original, key))


def test_npz_round_trip(tmp_path, small):
    path = write_npz(tmp_path / "mnist.npz", small)
    loaded = load_mnist(path)
    _same(loaded, small)
    assert str(path) in loaded.source and "30 training and 10 test images" in loaded.source
    assert loaded.x_train.dtype == np.uint8 and loaded.y_train.dtype == np.int64


@pytest.mark.parametrize("gz, dotted", [(False, False), (True, False), (False, True), (True, True)])
def test_idx_folder_plain_gz_and_dotted_names(tmp_path, small, gz, dotted):
    folder = write_idx_folder(tmp_path / "idx", small, gz=gz, dotted=dotted)
    loaded = load_mnist(folder)
    _same(loaded, small)
    assert "IDX files" in loaded.source


def test_env_var_path_is_used_and_no_download_happens(tmp_path, small, monkeypatch):
    path = write_npz(tmp_path / "mnist.npz", small)
    monkeypatch.setenv("HRNN_MNIST", str(path))
    monkeypatch.setattr(data_module, "load_keras", lambda: pytest.fail("network must not be tried"))
    _same(load_mnist("auto"), small)


def test_explicit_path_never_downloads(tmp_path, small, monkeypatch):
    monkeypatch.setattr(data_module, "load_keras", lambda: pytest.fail("network must not be tried"))
    _same(load_mnist(write_npz(tmp_path / "m.npz", small)), small)
    with pytest.raises(DataError):
        load_mnist(tmp_path / "missing.npz")


def test_auto_offline_falls_back_to_the_sample_without_download(tmp_path, monkeypatch):
    monkeypatch.delenv("HRNN_MNIST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no Keras cache
    monkeypatch.setenv("HRNN_OFFLINE", "1")
    monkeypatch.setattr(data_module, "load_keras", lambda: pytest.fail("network must not be tried offline"))
    assert load_mnist("auto").source.startswith("offline MNIST sample")


def test_auto_falls_back_to_the_sample_when_the_download_fails(tmp_path, monkeypatch):
    monkeypatch.delenv("HRNN_MNIST", raising=False)
    monkeypatch.delenv("HRNN_OFFLINE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    def no_network():
        raise DataError("Keras MNIST download failed: URLError: no network")

    monkeypatch.setattr(data_module, "load_keras", no_network)
    assert load_mnist("auto").source.startswith("offline MNIST sample")


def test_auto_prefers_the_keras_cache(tmp_path, small, monkeypatch):
    monkeypatch.delenv("HRNN_MNIST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".keras" / "datasets").mkdir(parents=True)
    write_npz(tmp_path / ".keras" / "datasets" / "mnist.npz", small)
    _same(load_mnist("auto"), small)


def test_offline_sample_is_real_stratified_and_fixed():
    sample = load_sample()
    assert sample.x_train.shape == (4000, 28, 28) and sample.x_test.shape == (1000, 28, 28)
    assert sample.x_train.dtype == np.uint8
    assert np.bincount(sample.y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(sample.y_test, minlength=10).tolist() == [100] * 10
    again = load_sample()
    np.testing.assert_array_equal(sample.y_test, again.y_test)
    np.testing.assert_array_equal(sample.x_train[:50], again.x_train[:50])
    assert 20 < sample.x_train.mean() < 50  # real digits: mostly black, MNIST's mean pixel is 33


def test_env_var_pointing_at_a_missing_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HRNN_MNIST", str(tmp_path / "gone.npz"))
    with pytest.raises(DataError, match="gone.npz: no such file"):
        load_mnist("auto")


def _npz_with(tmp_path, small, **changes):
    arrays = {k: getattr(small, k) for k in NAMES}
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"y_test": None}, "missing arrays y_test"),
        ({"x_train": np.zeros((30, 27, 28), np.uint8)}, r"x_train has shape \(30, 27, 28\), expected \(N, 28, 28\)"),
        ({"x_train": np.zeros((30, 28, 28), np.float32)}, "x_train has dtype float32, expected uint8"),
        ({"y_train": np.full(30, 10)}, "labels must be digits 0..9"),
        ({"y_test": np.zeros(9, np.int64)}, "9 labels in y_test for 10 images"),
    ],
)
def test_bad_npz_contents_are_refused_naming_the_file(tmp_path, small, changes, message):
    path = _npz_with(tmp_path, small, **changes)
    with pytest.raises(DataError, match=message) as info:
        load_mnist(path)
    assert str(path) in str(info.value)


def test_npz_that_is_not_a_zip(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(500))
    with pytest.raises(DataError, match="noise.npz: not a readable .npz file"):
        load_mnist(path)


def test_truncated_npz(tmp_path, small):
    path = write_npz(tmp_path / "cut.npz", small)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match="cut.npz: not a readable .npz file"):
        load_mnist(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty.npz"):
        load_mnist(path)


def test_idx_wrong_magic_number(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.zeros((3, 28, 28))))  # image magic where labels belong
    with pytest.raises(DataError, match="magic number 2051, expected 2049 for IDX labels"):
        read_idx(path, 2049)


def test_idx_truncated_body(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((4, 28, 28)))[:-100])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte: header promises 3136 bytes .* file holds 3036"):
        read_idx(path, 2051)


def test_idx_header_too_short(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00")
    with pytest.raises(DataError, match="too short for an IDX header"):
        read_idx(path, 2049)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_gzip(tmp_path, damage):
    raw = gzip.compress(idx_bytes(np.zeros(50, np.uint8)))
    raw = raw[:10] + b"\xff" * 40 if damage == "garbage" else raw[: len(raw) // 2]
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(raw)
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: cannot be read"):
        read_idx(path, 2049)


def test_idx_folder_missing_a_file(tmp_path, small):
    folder = write_idx_folder(tmp_path / "idx", small)
    (folder / NAMES["y_test"]).unlink()
    with pytest.raises(DataError, match="no t10k-labels-idx1-ubyte"):
        load_path(folder)


def test_idx_folder_with_mismatched_counts(tmp_path, small):
    folder = write_idx_folder(tmp_path / "idx", small)
    (folder / NAMES["y_train"]).write_bytes(idx_bytes(small.y_train[:20]))
    with pytest.raises(DataError, match="20 labels for 30 images"):
        load_path(folder)


def test_idx_labels_out_of_range(tmp_path, small):
    folder = write_idx_folder(tmp_path / "idx", small)
    (folder / NAMES["y_test"]).write_bytes(idx_bytes(np.full(10, 255)))
    with pytest.raises(DataError, match="labels must be digits 0..9, found values from 255 to 255"):
        load_path(folder)


def test_sample_file_damaged(tmp_path):
    path = tmp_path / "mnist_5k.csv.gz"
    path.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    with pytest.raises(DataError, match="expected rows of 784 pixels and a label"):
        load_sample(path)


def test_unknown_source_word(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        load_mnist("kerass")


def test_full_mnist_matches_its_published_facts(mnist_npz):
    full = load_mnist(mnist_npz)
    assert full.x_train.shape == (60000, 28, 28) and full.x_test.shape == (10000, 28, 28)
    assert np.bincount(full.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert full.y_train[:5].tolist() == [5, 0, 4, 1, 9] and full.y_test[:5].tolist() == [7, 2, 1, 0, 4]
