"""Results in plain words: a finished run against the shipped model on the same held-out digits, and one test
digit read right or wrong."""


def out_of_100(accuracy):
    """An accuracy in [0, 1] as a whole number of digits out of 100 (rounded down above 99, so that 99.6% does
    not read as a perfect 100)."""
    n = round(100 * accuracy)
    return 99 if n == 100 and accuracy < 1.0 else n


def verdict(accuracy, images, reference=None, stopped=False, when=""):
    """One sentence: how many in every 100 held-out digits the run's model reads right (how many of all of them,
    when fewer than 100 were read), and the shipped model's figure on the same digits.

    Args:
        accuracy: the run's accuracy on `images` held-out digits (test, else validation, else the live grid).
        images: how many digits that accuracy was measured on.
        reference: the shipped model's accuracy on the same digits, or None.
        stopped: the run was stopped before the end.
        when: when the figure was measured, where it was not on the model as saved at the end ("after epoch 1",
            "on the live grid"), or "".
    """
    measured = f", measured {when}" if when else ""
    if images >= 100:
        text = (
            f"Your model reads {out_of_100(accuracy)} in every 100 held-out digits right "
            f"({accuracy:.1%} of {images:,}{measured})"
        )
        if reference is not None:
            text += f"; the shipped model, {out_of_100(reference)} in 100 of the same digits"
    else:  # "10 of 100" would claim digits it was never tried on
        text = f"Your model reads {round(accuracy * images)} of {images} held-out digits ({accuracy:.1%}{measured})"
        if reference is not None:
            text += f"; the shipped model reads {round(reference * images)} of the same {images}"
    text += "."
    return "Stopped early. " + text if stopped else text


def reading_verdict(label, predicted):
    """Whether a model read a digit whose true label is `label` right, in words: "Right: it is a 7", or "Wrong: it
    is a 4, read as 9"."""
    if predicted == label:
        return f"Right: it is a {label}"
    return f"Wrong: it is a {label}, read as {predicted}"
