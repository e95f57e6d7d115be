"""MNIST sources: the .npz and IDX readers, the offline sample, the order "auto" tries, and every refusal.

Every test writes its own small files into `tmp_path`; only the last one reads the full MNIST, when it is there
(`$HRNN_MNIST`, else `../shared/data/mnist.npz` beside the repository: the `mnist_npz` fixture in conftest.py).
"""

import gzip
import sys
from pathlib import Path

import numpy as np
import pytest

from hrnn.data import mnist as data_module
from hrnn.data.mnist import DataError, MnistData, load_mnist
from hrnn.data.mnist_files import DataKind, load_path, read_idx
from hrnn.data.offline import SAMPLE_PATH, load_sample, make_sample
from hrnn.words import data_words
from tests.support.data import full_mnist_path

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


# --- small data, written the way MNIST ships -------------------------------------------------------------------


def make_arrays(n_train=20, n_test=10, seed=0):
    """Four MNIST-shaped arrays as Keras stores them: uint8 images (n, 28, 28), uint8 labels (n,) cycling 0..9."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }


def idx_bytes(array, magic=None):
    """An IDX file: big-endian magic (2051 images, 2049 labels), one big-endian uint32 per dimension, uint8 data."""
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx(path, array, magic=None, gz=False):
    raw = idx_bytes(array, magic)
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def write_idx_folder(folder, arrays, gz=False, dotted=False):
    """The four IDX files in `folder`, named like yann.lecun.com's (or with `.idx`), plain or gzipped."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in IDX_FILES.items():
        name = name.replace("-idx", ".idx") if dotted else name
        write_idx(folder / (name + ".gz" if gz else name), arrays[key], gz=gz)
    return folder


def write_npz(path, **arrays):
    """An .npz in the Keras layout (`x_train`, `y_train`, `x_test`, `y_test`); `path` must end in `.npz`."""
    np.savez(path, **arrays)
    return path


def assert_same_arrays(loaded, arrays):
    for key in IDX_FILES:
        np.testing.assert_array_equal(getattr(loaded, key), arrays[key], err_msg=key)


def refusal(load, path):
    """The message of the DataError that `load(path)` raises."""
    with pytest.raises(DataError) as info:
        load(path)
    return str(info.value)


@pytest.fixture
def arrays():
    return make_arrays()


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries the Keras download."""
    monkeypatch.setattr(data_module, "load_keras", lambda: pytest.fail("the network must not be tried"))


@pytest.fixture
def bare_home(monkeypatch, tmp_path):
    """No HRNN_MNIST and an empty home folder, so "auto" finds no Keras cache."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("HRNN_MNIST", raising=False)
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture(scope="module")
def sample():
    return load_sample()


# --- reading good files -----------------------------------------------------------------------------------------


def test_npz_round_trip_returns_the_arrays_written(tmp_path, arrays):
    loaded = load_mnist(write_npz(tmp_path / "mnist.npz", **arrays))
    assert isinstance(loaded, MnistData)
    assert_same_arrays(loaded, arrays)


def test_npz_source_names_the_file_and_the_counts(tmp_path, arrays):
    path = write_npz(tmp_path / "mnist.npz", **arrays)
    source = load_mnist(path).source
    assert str(path) in source
    assert "20 training and 10 test images" in source


def test_the_data_kind_is_a_field_full_mnist_by_its_sizes_and_other_sizes_are_other(tmp_path, arrays):
    loaded = load_mnist(write_npz(tmp_path / "mnist.npz", **arrays))
    assert loaded.kind == DataKind.OTHER and data_words(loaded) == "MNIST: 20 training and 10 test digits"
    full = MnistData(
        np.zeros((60_000, 28, 28), np.uint8),
        np.zeros(60_000, int),
        np.zeros((10_000, 28, 28), np.uint8),
        np.zeros(10_000, int),
        "made here",
        str(tmp_path / "mnist.npz"),
    )
    assert full.kind == DataKind.FULL and data_words(full).startswith("full MNIST: 60,000 training")


def test_labels_come_back_as_int64_and_images_as_uint8(tmp_path, arrays):
    loaded = load_mnist(write_npz(tmp_path / "mnist.npz", **arrays))
    assert loaded.x_train.dtype == loaded.x_test.dtype == np.uint8
    assert loaded.y_train.dtype == loaded.y_test.dtype == np.int64


@pytest.mark.parametrize(
    "gz, dotted",
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["plain", "gzipped", "dotted", "dotted-gzipped"],  # dotted: train-images.idx3-ubyte
)
def test_idx_folder_is_read_in_every_spelling(tmp_path, arrays, gz, dotted):
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=gz, dotted=dotted)
    loaded = load_mnist(folder)
    assert_same_arrays(loaded, arrays)
    assert str(folder) in loaded.source and "20 training and 10 test images" in loaded.source


def test_read_idx_gives_images_as_n_rows_cols_and_labels_as_n(tmp_path, arrays):
    images = read_idx(write_idx(tmp_path / "images", arrays["x_test"]), 2051)
    labels = read_idx(write_idx(tmp_path / "labels.gz", arrays["y_test"], gz=True), 2049)
    assert images.shape == (10, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(images, arrays["x_test"])
    np.testing.assert_array_equal(labels, arrays["y_test"])


def test_a_path_object_is_a_path_even_when_named_like_a_keyword(tmp_path, arrays, monkeypatch, no_network):
    monkeypatch.chdir(tmp_path)
    write_idx_folder(tmp_path / "sample", arrays)
    assert_same_arrays(load_mnist(Path("sample")), arrays)


# --- where "auto" looks ----------------------------------------------------------------------------------------


def test_auto_loads_the_path_in_HRNN_MNIST(tmp_path, arrays, monkeypatch, no_network):
    path = write_npz(tmp_path / "mine.npz", **arrays)
    monkeypatch.setenv("HRNN_MNIST", str(path))
    monkeypatch.delenv("HRNN_OFFLINE", raising=False)
    loaded = load_mnist("auto")
    assert_same_arrays(loaded, arrays)
    assert str(path) in loaded.source


def test_an_explicit_path_never_calls_the_network(tmp_path, arrays, monkeypatch, no_network):
    monkeypatch.delenv("HRNN_OFFLINE", raising=False)
    assert_same_arrays(load_mnist(write_npz(tmp_path / "m.npz", **arrays)), arrays)
    assert_same_arrays(load_mnist(str(write_idx_folder(tmp_path / "idx", arrays))), arrays)
    with pytest.raises(DataError):
        load_mnist(tmp_path / "missing.npz")


def test_auto_offline_falls_back_to_the_sample_without_calling_keras(bare_home, monkeypatch, no_network):
    monkeypatch.setenv("HRNN_OFFLINE", "1")
    loaded = load_mnist("auto")
    assert loaded.source.startswith("offline MNIST sample")
    assert len(loaded.y_train) == 5000 and len(loaded.y_test) == 1000


def test_auto_falls_back_to_the_sample_when_the_download_fails(bare_home, monkeypatch):
    monkeypatch.delenv("HRNN_OFFLINE", raising=False)
    calls = []

    def failing_download():
        calls.append(1)
        raise DataError("Keras MNIST download failed: URLError: no network")

    monkeypatch.setattr(data_module, "load_keras", failing_download)
    assert load_mnist("auto").source.startswith("offline MNIST sample")
    assert calls == [1]


def test_auto_falls_back_to_the_sample_when_keras_is_not_installed(bare_home, monkeypatch):
    monkeypatch.delenv("HRNN_OFFLINE", raising=False)
    monkeypatch.setitem(sys.modules, "keras", None)  # makes `import keras` raise ImportError, imports nothing
    assert load_mnist("auto").source.startswith("offline MNIST sample")


def test_auto_uses_the_keras_cache_before_any_download(bare_home, arrays, no_network):
    cache = bare_home / ".keras" / "datasets"
    cache.mkdir(parents=True)
    write_npz(cache / "mnist.npz", **arrays)
    loaded = load_mnist("auto")
    assert_same_arrays(loaded, arrays)
    assert str(cache / "mnist.npz") in loaded.source


def test_auto_skips_a_broken_keras_cache(bare_home, monkeypatch, no_network):
    monkeypatch.setenv("HRNN_OFFLINE", "1")
    cache = bare_home / ".keras" / "datasets"
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(b"half a download")
    assert load_mnist("auto").source.startswith("offline MNIST sample")


def test_HRNN_MNIST_pointing_at_a_missing_file_is_an_error_not_a_fallback(tmp_path, monkeypatch, no_network):
    path = tmp_path / "gone.npz"
    monkeypatch.setenv("HRNN_MNIST", str(path))
    message = refusal(lambda _: load_mnist("auto"), path)
    assert str(path) in message and "no such file or folder" in message


# --- the offline sample ----------------------------------------------------------------------------------------


def test_sample_is_5000_training_and_1000_test_uint8_images(sample):
    assert sample.x_train.shape == (5000, 28, 28) and sample.x_test.shape == (1000, 28, 28)
    assert sample.x_train.dtype == sample.x_test.dtype == np.uint8
    assert sample.y_train.shape == (5000,) and sample.y_test.shape == (1000,)
    assert sample.kind == DataKind.SAMPLE
    assert data_words(sample) == "offline sample of MNIST: 5,000 training and 1,000 test digits"


def test_sample_is_500_and_100_of_each_digit(sample):
    assert np.bincount(sample.y_train).tolist() == [500] * 10  # also: every label is a digit 0..9
    assert np.bincount(sample.y_test).tolist() == [100] * 10


def test_sample_is_the_same_on_every_load(sample):
    again = load_sample()
    for key in IDX_FILES:
        np.testing.assert_array_equal(getattr(again, key), getattr(sample, key), err_msg=key)


def test_sample_is_shuffled_not_grouped_by_digit(sample):
    for labels in (sample.y_train, sample.y_test):
        assert (np.diff(labels) != 0).mean() > 0.5  # grouped by digit, almost every neighbour would match


def test_sample_tests_on_digits_that_are_not_among_its_training_digits(sample):
    trained = {image.tobytes() for image in sample.x_train}
    assert not any(image.tobytes() in trained for image in sample.x_test)


@pytest.mark.skipif(full_mnist_path() is None, reason="needs the full MNIST (HRNN_MNIST)")
def test_sample_holds_mnists_own_digits_at_their_stored_indices_and_is_made_again_from_them(sample, tmp_path):
    full = load_mnist(full_mnist_path())
    shipped = np.load(SAMPLE_PATH)
    for split in ("train", "test"):
        index = shipped[f"{split}_index"]
        np.testing.assert_array_equal(getattr(full, f"x_{split}")[index], getattr(sample, f"x_{split}"))
        np.testing.assert_array_equal(getattr(full, f"y_{split}")[index], getattr(sample, f"y_{split}"))
    trained = {image.tobytes() for image in full.x_train}  # the shipped model trained on 55,000 of these
    assert not any(image.tobytes() in trained for image in sample.x_test)
    again = load_sample(make_sample(full, shipped["train_index"], tmp_path / "again.npz"))
    for key in IDX_FILES:
        np.testing.assert_array_equal(getattr(again, key), getattr(sample, key), err_msg=key)


def test_sample_looks_like_real_digits(sample):
    # MNIST: black background, white strokes; its mean pixel is 33.3
    assert 20 < sample.x_train.mean() < 50
    assert sample.x_train.max() == 255 and sample.x_train.min() == 0


# --- refusals: each names the file and says what is wrong --------------------------------------------------------


def test_missing_path_is_refused(tmp_path):
    path = tmp_path / "nowhere.npz"
    message = refusal(load_mnist, path)
    assert str(path) in message and "no such file or folder" in message


def test_unknown_source_is_refused():
    assert "unknown data source" in refusal(load_mnist, None)
    assert "unknown data source" in refusal(load_mnist, "")


def test_npz_missing_an_array_is_refused(tmp_path, arrays):
    del arrays["y_test"]
    path = write_npz(tmp_path / "three.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "missing arrays y_test" in message


@pytest.mark.parametrize("size", [500, 2000, 100_000])
def test_random_bytes_named_npz_are_not_an_npz_file_and_no_unsafe_fix_is_suggested(tmp_path, size):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(size).bytes(size))
    message = refusal(load_mnist, path)
    assert message.startswith(f"{path}: not an .npz file")
    assert "pickle" not in message


def test_a_numpy_object_array_file_named_npz_is_not_an_npz_file(tmp_path):
    path = tmp_path / "saved.npz"
    np.save(tmp_path / "objects.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    path.write_bytes((tmp_path / "objects.npy").read_bytes())
    message = refusal(load_mnist, path)
    assert message.startswith(f"{path}: not an .npz file") and "pickle" not in message


def test_an_npz_holding_python_objects_is_refused_without_suggesting_allow_pickle(tmp_path, arrays):
    arrays["y_train"] = np.array([{"label": 1}] * 20, dtype=object)
    path = write_npz(tmp_path / "objects.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "holds Python objects" in message
    assert "allow_pickle" not in message


def _npz_with_member(path, arrays, name, member_bytes):
    """An .npz of `arrays` whose `<name>.npy` member holds `member_bytes` instead."""
    import zipfile

    good = write_npz(path.with_suffix(".good.npz"), **arrays)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.namelist():
            target.writestr(item, member_bytes if item == f"{name}.npy" else source.read(item))
    return path


def test_an_npz_member_without_a_npy_header_is_refused_in_one_line(tmp_path, arrays):
    noise = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    path = _npz_with_member(tmp_path / "noise.npz", arrays, "x_train", noise)
    assert refusal(load_mnist, path) == f"{path}: x_train.npy is not a numpy array (it has no .npy header)"


def test_an_npy_header_too_large_to_read_safely_is_refused_for_that_reason(tmp_path, arrays):
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 28, 28), }"
    header = header.ljust(200_000) + "\n"  # numpy reads at most 10,000 bytes of header unless told otherwise
    member = b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header.encode() + bytes(20 * 28 * 28)
    path = _npz_with_member(tmp_path / "header.npz", arrays, "x_train", member)
    message = refusal(load_mnist, path)
    assert message == f"{path}: an array's header is too large to read safely; MNIST's are small"


def test_truncated_npz_is_refused(tmp_path, arrays):
    path = write_npz(tmp_path / "cut.npz", **arrays)
    path.write_bytes(path.read_bytes()[:2000])
    message = refusal(load_mnist, path)
    assert message.startswith(f"{path}: not an .npz file")


def test_damaged_npz_member_is_refused(tmp_path, arrays):
    path = write_npz(tmp_path / "damaged.npz", **arrays)
    raw = bytearray(path.read_bytes())
    raw[200:400] = bytes(200)  # inside the first array's data; the zip's directory at the end stays intact
    path.write_bytes(bytes(raw))
    message = refusal(load_mnist, path)
    assert str(path) in message


def test_empty_npz_is_refused(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    message = refusal(load_mnist, path)
    assert message.startswith(f"{path}: not an .npz file")


def _deny(monkeypatch, method, blocked):
    """Make `Path.<method>` raise PermissionError under `blocked`, as an unreadable folder does for a normal
    user (the tests run as root, for whom permissions never fail)."""
    real = getattr(Path, method)

    def guarded(self, *args, **kwargs):
        if str(self).startswith(str(blocked)):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, guarded)


@pytest.mark.parametrize("method", ["is_dir", "is_file"])
def test_an_unreadable_path_is_a_data_error_naming_it(tmp_path, arrays, monkeypatch, method):
    (tmp_path / "locked").mkdir()
    path = write_npz(tmp_path / "locked" / "mnist.npz", **arrays)
    _deny(monkeypatch, method, tmp_path / "locked")
    message = refusal(load_mnist, path)
    assert message.startswith(f"{path}: permission denied")


def test_an_unreadable_idx_folder_is_a_data_error_naming_the_file(tmp_path, arrays, monkeypatch):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    _deny(monkeypatch, "is_file", folder / IDX_FILES["x_train"])
    message = refusal(load_mnist, folder)
    assert message.startswith(f"{folder / IDX_FILES['x_train']}: permission denied")


def test_an_unreadable_npz_file_is_a_data_error_naming_it(tmp_path, arrays, monkeypatch):
    path = write_npz(tmp_path / "mnist.npz", **arrays)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    monkeypatch.setattr("zipfile.is_zipfile", lambda p: False)  # it cannot open the file either
    message = refusal(load_mnist, path)
    assert message == f"{path}: cannot be read (Permission denied)"


def test_an_unreadable_keras_cache_is_skipped_not_raised(bare_home, monkeypatch, no_network):
    _deny(monkeypatch, "is_file", bare_home / ".keras")
    _deny(monkeypatch, "is_dir", bare_home / ".keras")
    assert load_mnist("auto").source.startswith("offline MNIST sample")


def test_npz_images_of_the_wrong_shape_are_refused(tmp_path, arrays):
    arrays["x_train"] = np.zeros((20, 27, 28), np.uint8)
    path = write_npz(tmp_path / "narrow.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "x_train has shape (20, 27, 28), expected (N, 28, 28)" in message


def test_npz_float_images_are_refused(tmp_path, arrays):
    arrays["x_test"] = arrays["x_test"] / 255.0
    path = write_npz(tmp_path / "scaled.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "x_test has dtype float64, expected uint8" in message


def test_npz_float_labels_are_refused(tmp_path, arrays):
    arrays["y_train"] = arrays["y_train"].astype(np.float32)
    path = write_npz(tmp_path / "floaty.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "y_train must be a 1-D array of integer labels" in message


@pytest.mark.parametrize("bad_label", [10, 255, -1])
def test_npz_labels_outside_0_to_9_are_refused(tmp_path, arrays, bad_label):
    arrays["y_train"] = arrays["y_train"].astype(np.int64)
    arrays["y_train"][3] = bad_label
    path = write_npz(tmp_path / "labels.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "labels must be digits 0..9" in message and str(bad_label) in message


def test_npz_with_fewer_labels_than_images_is_refused(tmp_path, arrays):
    arrays["y_test"] = arrays["y_test"][:9]
    path = write_npz(tmp_path / "short.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "9 labels in y_test for 10 images in x_test" in message


def test_npz_with_no_images_is_refused(tmp_path, arrays):
    arrays["x_test"], arrays["y_test"] = arrays["x_test"][:0], arrays["y_test"][:0]
    path = write_npz(tmp_path / "none.npz", **arrays)
    message = refusal(load_mnist, path)
    assert str(path) in message and "x_test is empty" in message


def test_idx_with_the_wrong_magic_number_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    path = write_idx(folder / IDX_FILES["y_train"], arrays["y_train"], magic=2051)  # the images' magic on labels
    message = refusal(load_mnist, folder)
    assert str(path) in message and "magic number 2051, expected 2049" in message


def test_idx_with_a_truncated_body_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    path = folder / IDX_FILES["x_test"]
    path.write_bytes(path.read_bytes()[:-100])
    message = refusal(load_mnist, folder)
    assert str(path) in message
    assert "header promises 7840 bytes of data for shape (10, 28, 28), file holds 7740" in message


def test_empty_idx_file_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    path = folder / IDX_FILES["y_test"]
    path.write_bytes(b"")
    message = refusal(load_mnist, folder)
    assert str(path) in message and "too short for an IDX header (0 bytes)" in message


def test_idx_header_with_absurd_dimensions_is_refused(tmp_path):
    path = tmp_path / "huge"
    path.write_bytes((2051).to_bytes(4, "big") + b"\xff\xff\xff\xff" * 3 + b"\x00" * 10)
    message = refusal(lambda p: read_idx(p, 2051), path)
    assert str(path) in message and f"header promises {(2**32 - 1) ** 3} bytes" in message


def test_corrupt_gzip_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=True)
    path = folder / (IDX_FILES["y_train"] + ".gz")
    path.write_bytes(path.read_bytes()[:10] + b"\xff" * 60)  # a valid gzip header, then garbage
    message = refusal(load_mnist, folder)
    assert str(path) in message and "cannot be read" in message


def test_truncated_gzip_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=True)
    path = folder / (IDX_FILES["x_train"] + ".gz")
    path.write_bytes(path.read_bytes()[:-200])
    message = refusal(load_mnist, folder)
    assert str(path) in message and "cannot be read" in message


def test_idx_images_of_the_wrong_shape_are_refused_naming_that_file(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    path = write_idx(folder / IDX_FILES["x_train"], np.zeros((20, 27, 28), np.uint8))
    message = refusal(load_mnist, folder)
    assert str(path) in message and "x_train has shape (20, 27, 28), expected (N, 28, 28)" in message


def test_idx_labels_outside_0_to_9_are_refused_naming_that_file(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    path = write_idx(folder / IDX_FILES["y_test"], np.full(10, 255))
    message = refusal(load_mnist, folder)
    assert str(path) in message and "labels must be digits 0..9, found values from 255 to 255" in message


def test_idx_label_count_not_matching_the_images_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    path = write_idx(folder / IDX_FILES["y_train"], arrays["y_train"][:15])
    message = refusal(load_mnist, folder)
    assert str(path) in message and "15 labels for 20 images in train-images-idx3-ubyte" in message


def test_folder_missing_one_of_the_four_files_is_refused(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    (folder / IDX_FILES["y_test"]).unlink()
    message = refusal(load_mnist, folder)
    assert str(folder) in message and "no t10k-labels-idx1-ubyte" in message


def test_empty_folder_is_refused(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    message = refusal(load_path, folder)
    assert str(folder) in message and "no train-images-idx3-ubyte" in message


def test_a_sample_file_that_is_not_the_sample_is_refused(tmp_path, arrays):
    path = write_npz(tmp_path / "mnist_sample.npz", **arrays)  # MNIST's layout, but not 500 and 100 of each digit
    message = refusal(load_sample, path)
    assert str(path) in message and "not the offline MNIST sample" in message and "reinstall hrnn" in message


def test_a_sample_file_that_is_not_an_npz_is_refused(tmp_path):
    path = tmp_path / "mnist_sample.npz"
    path.write_bytes(b"0,0,0\n")
    message = refusal(load_sample, path)
    assert str(path) in message and "not an .npz file" in message and "reinstall hrnn" in message


def test_a_missing_sample_file_is_refused(tmp_path):
    path = tmp_path / "gone.npz"
    message = refusal(load_sample, path)
    assert str(path) in message and "offline MNIST sample cannot be read" in message


# --- the real thing, when it is there ----------------------------------------------------------------------------


def test_full_mnist_matches_its_published_facts(mnist_npz):
    full = load_mnist(mnist_npz)
    assert full.x_train.shape == (60000, 28, 28) and full.x_test.shape == (10000, 28, 28)
    assert np.bincount(full.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(full.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert full.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert full.y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert round(float(full.x_train.mean()), 3) == 33.318


@pytest.mark.parametrize("name", ["mni\nst.npz", "mnist\r\n.npz", "tab\tbell\x07.npz"])
@pytest.mark.parametrize("content", [None, b"not an npz"], ids=["missing", "not-npz"])
def test_a_data_file_name_with_control_characters_is_named_escaped_in_one_line(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        load_mnist(str(path))
    message = str(caught.value)
    assert repr(name)[1:-1] in message and not any(c in message for c in "\n\r\t\x07"), message
