"""Names for people of the settings and the architectures, and digits read aloud, as every page says them."""

SETTING_LABELS = {
    "arch": "Model",
    "epochs": "Epochs",
    "batch_size": "Batch size",
    "row_units": "Row reader size",
    "col_units": "Image reader size",
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
