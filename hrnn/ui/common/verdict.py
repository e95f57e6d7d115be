"""Results in plain words: a finished run against the shipped model on the same held-out digits, and one test
digit read right or wrong."""

from hrnn.ui.common.labels import a_digit

ROUGH_BELOW = 100  # fewer held-out digits than this: the verdict says its figure is rough
# The three sets of digits a run is judged on, each with one name on every screen: the test digits (scored at the
# end), the validation digits (after each epoch) and the twenty digits of the live grid.
DIGIT_SETS = {"test": "test digits", "validation": "validation digits", "grid": "grid digits"}


def verdict(accuracy, images, digits="test", reference=None, stopped=False, when="", yours=True):
    """One sentence: how many of the held-out digits the run's model reads right, and how many of the same digits
    the shipped model reads right. Counts, not "N in every 100": 975 of 1,000 says exactly what 97.5% does, where
    "98 in every 100 (97.5%)" seemed to disagree with itself.

    Args:
        accuracy: the run's accuracy on `images` held-out digits (test, else validation, else the live grid).
        images: how many digits that accuracy was measured on.
        digits: which set they are, a key of `DIGIT_SETS`.
        reference: the shipped model's accuracy on the same digits, or None.
        stopped: the run was stopped before the end.
        when: when the figure was measured, where it was not on the model as saved at the end ("after epoch 1",
            "on the live grid"), or "".
        yours: the reader started the run ("Your model"); else "This model" (a student watching the teacher's).
    """
    measured = f", measured {when}" if when else ""
    if images < ROUGH_BELOW:  # 18 of 20 says 90%, and a model that reads 81% of 10,000 can do it
        measured += f": only {images} digits, a rough figure"
    whose = "Your" if yours else "This"
    text = (
        f"{whose} model reads {round(accuracy * images):,} of {images:,} {DIGIT_SETS[digits]} right "
        f"({accuracy:.1%}{measured})"
    )
    if reference is not None:
        text += f"; the shipped model reads {round(reference * images):,} of the same {images:,}"
    text += "."
    return "Stopped early. " + text if stopped else text


def reading_verdict(label, predicted):
    """Whether a model read a digit whose true label is `label` right, in words: "Right: it is a 7", or "Wrong: it
    is an 8, read as 9"."""
    if predicted == label:
        return f"Right: it is {a_digit(label)}"
    return f"Wrong: it is {a_digit(label)}, read as {predicted}"
