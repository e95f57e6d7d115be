"""Names for people of the settings and the architectures, digits read aloud and shares as percentages, as every
page says them."""

SETTING_LABELS = {
    "arch": "Model",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "row_units": "Row reader size",
    "image_units": "Image reader size",
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "schedule": "Schedule",
    "clipnorm": "Gradient clipping",
    "row_input_scale": "Row reader input scale",
    "forget_bias": "Image reader forget bias",
    "train_size": "Training images",
    "validation": "Validation",
    "val_size": "Validation images",
    "val_limit": "Validation images read per epoch",
    "test_limit": "Test images read at the end",
    "seed": "Random seed",
}

ARCH_LABELS = {
    "hrnn": "hierarchical RNN (a row reader, then an image reader)",
    "flat-lstm": "flat LSTM (28 rows as 28 steps)",
    "cnn": "convolutional net (keras-io mnist_convnet shape)",
}


def a_digit(digit):
    """ "a 7", "an 8": a digit with its article, as it is read aloud."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def percent(share, decimals=1):
    """`share` (a probability or an accuracy, 0 to 1) as a percentage with `decimals` decimals: `0.6234` ->
    "62.3%"; None -> "-". A share that is not exactly 0 or 1 never rounds to "0.0%" or "100.0%", which would read as
    certainty: "<0.1%", ">99.9%" (with 0 decimals, "<1%", ">99%")."""
    if share is None:
        return "-"
    unit = 10.0 ** -(decimals + 2)  # the smallest share the text can show
    if 0 < share < unit / 2:
        return f"<{unit:.{decimals}%}"
    if 1 - unit / 2 <= share < 1:
        return f">{1 - unit:.{decimals}%}"
    return f"{share:.{decimals}%}"
