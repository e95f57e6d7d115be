"""A run's files to take home: its curves as CSV, for a spreadsheet or a plotting script (standard library only).
Its model and its record are taken as they are (`model.keras`, `record.json`)."""

import csv
import io
import math

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
    row of its last batch, blank elsewhere. A run stopped mid-epoch ends with that epoch's batches and no figures."""
    batches, epochs = record.history.batches, {e.epoch: e for e in record.history.epochs}
    per_epoch = record.steps_per_epoch
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CURVE_COLUMNS)
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
