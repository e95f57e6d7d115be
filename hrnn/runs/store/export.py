"""A run's files to take home (standard library only): its curves as CSV, for a spreadsheet or a plotting script,
and its record as it may leave the server (`shareable_record`: no worker token, no pid, no server path). Its model
is taken as it is (`model.keras`)."""

import csv
import io
import math
import re

# An absolute POSIX path of two names or more: a slash not after a word, a dot, a colon, a tilde, a `<` or another
# slash (so not `3/10`, not a URL's `//host/...`, not `~/...`, not HTML's `</b>`), then names separated by slashes.
_SERVER_PATH = re.compile(r"(?<![\w.:~/<-])(?:/[^\s/'\"`()<>\[\]]+){2,}/?")
PRIVATE_FIELDS = ("token", "pid")  # the worker's identity on this server: nothing a visitor needs


def hide_paths(text):
    """`text` with every absolute path shortened to `…/<its last name>`: a visitor learns no server path."""
    return _SERVER_PATH.sub(lambda match: "…/" + match.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def shareable_record(values):
    """A copy of a record's parsed JSON as it may leave the server: without `PRIVATE_FIELDS`, every string with its
    paths hidden (`hide_paths`)."""
    if isinstance(values, dict):
        return {k: shareable_record(v) for k, v in values.items() if k not in PRIVATE_FIELDS}
    if isinstance(values, list):
        return [shareable_record(v) for v in values]
    return hide_paths(values) if isinstance(values, str) else values


CURVE_COLUMNS = (
    "step",
    "epoch",
    "batch_loss",
    "batch_accuracy",
    "epoch_loss",
    "epoch_accuracy",
    "val_loss",
    "val_accuracy",
)


def curves_csv(record):
    """The curves of `record` (a `RunRecord`) as CSV text: one row per batch (its global step, its epoch, its own
    loss and accuracy); the epoch's figures (training loss and accuracy over the epoch, validation after it) on the
    row of its last batch, blank elsewhere. A run stopped mid-epoch ends with that epoch's batches and no figures.
    A record without batches gives one row per epoch."""
    batches, epochs = record.history.batches, {e.epoch: e for e in record.history.epochs}
    per_epoch = record.steps_per_epoch
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CURVE_COLUMNS)
    if not batches.step:  # a record that kept its epochs only (the shipped model's): one row per epoch
        for entry in record.history.epochs:
            row = ["", entry.epoch, "", "", entry.loss, entry.accuracy, _blank(entry.val_loss)]
            writer.writerow(row + [_blank(entry.val_accuracy)])
        return out.getvalue()
    for step, loss, accuracy in zip(batches.step, batches.loss, batches.accuracy):
        epoch = math.ceil(step / per_epoch) if per_epoch else None
        row = [step, epoch if epoch is not None else "", loss, accuracy]
        entry = epochs.get(epoch) if per_epoch and step % per_epoch == 0 else None
        if entry is not None:
            row += [entry.loss, entry.accuracy, _blank(entry.val_loss), _blank(entry.val_accuracy)]
        else:
            row += ["", "", "", ""]
        writer.writerow(row)
    return out.getvalue()


def _blank(value):
    return "" if value is None else value
