"""MNIST's files: reading an `.npz` (Keras's layout), a folder of IDX files or Keras's download, and refusing anything
that is not MNIST. Every source is checked; a bad one raises `DataError` naming the file and what is wrong with it.
Which file to read is `hrnn.data.mnist.load_mnist`'s choice.
"""

import enum
import gzip
import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

FULL_MNIST_SIZES = (60_000, 10_000)  # training and test images


class DataError(Exception):
    """A data source is missing, unreadable or not MNIST. The message names the file and the problem, on one line:
    a control character in it (a file name with a line break) is written as `repr` writes it (`mni\\nst.npz`)."""

    def __init__(self, message):
        super().__init__(_CONTROL.sub(lambda match: repr(match.group(0))[1:-1], str(message)))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DataKind(enum.StrEnum):
    """Which MNIST a model learns from, as a run's record keeps it (the front ends name it in words)."""

    FULL = "full"  # full MNIST: 60,000 training and 10,000 test digits
    SAMPLE = "sample"  # the offline sample shipped with hrnn (`hrnn.data.offline`)
    OTHER = "other"  # MNIST files of other sizes (a part of MNIST, or a stand-in made for tests)


@dataclass(frozen=True)
class MnistData:
    """MNIST in memory: uint8 images `(N, 28, 28)` in 0..255 and integer labels `(N,)` in 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # human-readable: what was loaded, from where, how many samples
    spec: str = ""  # the `load_mnist` argument that loads these data again ("keras", "sample" or an absolute path)

    @property
    def kind(self):
        """Which MNIST these are (`DataKind`): the offline sample, full MNIST, or MNIST files of other sizes."""
        if self.spec == "sample":
            return DataKind.SAMPLE
        return DataKind.FULL if (len(self.y_train), len(self.y_test)) == FULL_MNIST_SIZES else DataKind.OTHER


def load_path(path, npz_name="MNIST .npz"):
    """Load MNIST from an `.npz` file (Keras layout) or a folder holding the four IDX files. `npz_name` is what its
    `source` calls an `.npz` file (the offline sample names itself).

    Raises:
        DataError: naming the file, if anything is missing or wrong.
    """
    path = Path(path).expanduser()
    kind = path_kind(path)
    if kind == "folder":
        return _load_idx_folder(path)
    if kind == "file":
        return _load_npz(path, npz_name)
    raise DataError(f"{path}: no such file or folder (expected an MNIST .npz or a folder of IDX files)")


def path_kind(path, quiet=False):
    """ "folder", "file" or None (nothing there) for `path`.

    Raises:
        DataError: naming the path, if it cannot be looked at (a folder on the way is unreadable, the name holds a
            NUL byte); with `quiet`, None instead.
    """
    try:
        if path.is_dir():
            return "folder"
        return "file" if path.is_file() else None
    except PermissionError as exc:
        if quiet:
            return None
        raise DataError(f"{path}: permission denied (a folder on the way, or the path itself, cannot be read)") from exc
    except (OSError, ValueError) as exc:
        if quiet:
            return None
        raise DataError(f"{path}: cannot be looked at ({exc})") from exc


def load_keras():
    """Load MNIST through `keras.datasets.mnist` (its cache, or a download).

    Raises:
        DataError: if the download fails (no network) or the file is not MNIST.
    """
    try:
        import keras  # imported here: the numpy-only paths should not pay for Keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # a missing Keras, urllib, zipfile and numpy errors all mean "no usable download"
        raise DataError(f"Keras MNIST download failed: {type(exc).__name__}: {exc}") from exc
    where = Path.home() / ".keras" / "datasets" / "mnist.npz"
    return checked_data(x_train, y_train, x_test, y_test, f"Keras MNIST ({where})", where, "keras")


def _load_npz(path, npz_name):
    try:
        is_zip = zipfile.is_zipfile(path)  # an .npz is a zip archive; anything else would reach numpy's pickle path
        with open(path, "rb"):  # is_zipfile answers False for a file it cannot open: say why instead
            pass
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not is_zip:
        raise DataError(f"{path}: not an .npz file (expected the zip archive of arrays that numpy.savez writes)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in IDX_NAMES if k not in archive.files]
            if missing:
                raise DataError(f"{path}: not an MNIST .npz, missing arrays {', '.join(missing)}")
            arrays = {k: archive[k] for k in IDX_NAMES}
    except DataError:
        raise
    except ValueError as exc:
        if "max_header_size" in str(exc):  # numpy's message also names allow_pickle, as a way to skip the check
            raise DataError(f"{path}: an array's header is too large to read safely; MNIST's are small") from exc
        if "Object arrays" in str(exc):  # never loaded, whatever numpy's message suggests
            raise DataError(f"{path}: holds Python objects, not numeric arrays; MNIST is uint8 arrays") from exc
        raise DataError(f"{path}: not a readable .npz file ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # zipfile.BadZipFile, zlib.error, EOFError, OSError...
        raise DataError(f"{path}: not a readable .npz file ({type(exc).__name__}: {exc})") from exc
    for name, value in arrays.items():  # numpy gives a member without the .npy header as its raw bytes
        if not isinstance(value, np.ndarray):
            raise DataError(f"{path}: {name}.npy is not a numpy array (it has no .npy header)")
    return checked_data(
        arrays["x_train"],
        arrays["y_train"],
        arrays["x_test"],
        arrays["y_test"],
        f"{npz_name} ({path})",
        path,
        str(path.absolute()),
    )


def _find_idx_file(folder, stem):
    """The IDX file for `stem` in `folder`: `-idx` or `.idx` spelling, plain or `.gz`."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if path_kind(folder / name) == "file":
            return folder / name
    raise DataError(f"{folder}: no {stem} (or {stem}.gz, {dotted}, {dotted}.gz) in this folder")


def read_idx(path, magic):
    """Read one IDX file (plain or gzipped) holding unsigned bytes.

    Returns:
        uint8 array: `(n,)` for labels (magic 2049), `(n, rows, cols)` for images (magic 2051).

    Raises:
        DataError: naming the file, for a wrong magic number, a truncated body, or a damaged gzip stream.
    """
    path = Path(path)
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from exc
    ndim = 3 if magic == IMAGE_MAGIC else 1
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: file too short for an IDX header ({len(raw)} bytes)")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        kind = "images" if magic == IMAGE_MAGIC else "labels"
        raise DataError(f"{path}: magic number {found}, expected {magic} for IDX {kind}")
    dims = [int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim)]
    expected = math.prod(dims)  # exact: np.prod would overflow on a bogus header
    body = len(raw) - header
    if body != expected:
        raise DataError(f"{path}: header promises {expected} bytes of data for shape {tuple(dims)}, file holds {body}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _load_idx_folder(folder):
    arrays, files = {}, {}
    for key, stem in IDX_NAMES.items():
        files[key] = _find_idx_file(folder, stem)
        arrays[key] = read_idx(files[key], IMAGE_MAGIC if key.startswith("x") else LABEL_MAGIC)
    for split in ("train", "test"):
        nx, ny = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if nx != ny:
            raise DataError(f"{files['y_' + split]}: {ny} labels for {nx} images in {files['x_' + split].name}")
    return checked_data(
        arrays["x_train"],
        arrays["y_train"],
        arrays["x_test"],
        arrays["y_test"],
        f"MNIST IDX files ({folder})",
        files,
        str(Path(folder).absolute()),
    )


def check_labels(labels, where):
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{where}: labels must be digits 0..9, found values from {labels.min()} to {labels.max()}")


def checked_data(x_train, y_train, x_test, y_test, description, where, spec):
    """Validate the four arrays and wrap them.

    `where` is the file the arrays came from, or a dict naming one file per array (`x_train` -> its IDX file);
    a DataError names that file. `spec` is what `load_mnist` takes to load them again.
    """

    def at(name):
        return where[name] if isinstance(where, dict) else where

    for name, images in (("x_train", x_train), ("x_test", x_test)):
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DataError(f"{at(name)}: {name} has shape {images.shape}, expected (N, 28, 28)")
        if images.dtype != np.uint8:
            raise DataError(f"{at(name)}: {name} has dtype {images.dtype}, expected uint8 pixels 0..255")
        if len(images) == 0:
            raise DataError(f"{at(name)}: {name} is empty")
    for split, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        file = at(f"y_{split}")
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise DataError(
                f"{file}: y_{split} must be a 1-D array of integer labels, got {labels.dtype} {labels.shape}"
            )
        if len(labels) != len(images):
            raise DataError(f"{file}: {len(labels)} labels in y_{split} for {len(images)} images in x_{split}")
        check_labels(labels, f"{file} (y_{split})")
    description = f"{description}: {len(x_train):,} training and {len(x_test):,} test images"
    return MnistData(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), description, spec)
