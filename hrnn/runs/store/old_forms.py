"""What older hrnn wrote in words, read back as data (standard library only): run folders on disk outlive the code
that wrote them. Until hrnn 0.1.0 as of December 2026 a summary named its preset in words ("quick demo") and what its
model was trained on in a sentence (`trained_on`: "4,500 training digits of the offline sample"), and a record kept
its data only as a sentence (`data`: "offline MNIST sample (...): ..."). Each is mapped here to the field that
replaced it; a reader never parses words hrnn writes today. A field renamed since (the image reader's size,
`col_units` until December 2026, now `image_units`) is read under its old name by `hrnn.schema.from_json`: the
field's metadata lists its old names (`hrnn.schema.OLD_NAMES`)."""

import re

from hrnn.data.mnist_files import DataKind
from hrnn.train.config import CUSTOM

OLD_PRESET_WORDS = {"quick demo": "demo", "fast preset": "fast", "original Keras example": "original"}
OLD_KIND_WORDS = {"the offline sample": DataKind.SAMPLE, "full MNIST": DataKind.FULL, "MNIST": DataKind.OTHER}
OLD_TRAINED_ON = re.compile(r"(?:(?P<count>[\d,]+) training digits of )?(?P<kind>.+)")


def preset_from_words(words):
    """A preset's key from the words an old summary named it by: "quick demo" -> "demo"; "custom HRNN" or
    "cnn baseline" -> `CUSTOM`; "" (a summary from before presets) stays ""."""
    if words in OLD_PRESET_WORDS:
        return OLD_PRESET_WORDS[words]
    return CUSTOM if words else ""


def kind_from_data_words(data):
    """The `DataKind` value of an old record's `data` sentence (as `hrnn.data.splits` wrote it: "offline MNIST
    sample (...): 5,000 training and 1,000 test images; ..."), or "" for none."""
    if not data:
        return ""
    if data.startswith("offline MNIST sample"):
        return DataKind.SAMPLE.value
    if "60,000 training and 10,000 test" in data:
        return DataKind.FULL.value
    return DataKind.OTHER.value


def read_trained_on(words):
    """`(data_kind, train_images)` from an old summary's `trained_on` ("4,500 training digits of the offline
    sample", "full MNIST", "" or words hrnn never wrote: `("", None)`)."""
    match = OLD_TRAINED_ON.fullmatch(words or "")
    if not match:
        return "", None
    kind = OLD_KIND_WORDS.get(match["kind"], DataKind.OTHER if match["kind"] == "its data" else None)
    if kind is None:
        return "", None
    return kind.value, int(match["count"].replace(",", "")) if match["count"] else None


def upgrade_summary(values):
    """An old summary's JSON (a dict) in today's form: its preset by key, `trained_on` read into `data_kind` and
    `train_images`. Anything else, a summary of today's form included, is returned as it is."""
    if not isinstance(values, dict) or "data_kind" in values:
        return values
    values = dict(values)
    if isinstance(values.get("preset"), str):
        values["preset"] = preset_from_words(values["preset"])
    if isinstance(values.get("trained_on"), str):
        values["data_kind"], values["train_images"] = read_trained_on(values.pop("trained_on"))
    return values


def upgrade_record(values):
    """An old record's JSON (a dict) with `data_kind` read from its `data` sentence where it has none."""
    if not isinstance(values, dict) or "data_kind" in values or not isinstance(values.get("data"), str):
        return values
    return {**values, "data_kind": kind_from_data_words(values["data"])}
