"""Results in plain words (hrnn.ui.verdict)."""

from hrnn.ui.verdict import out_of_100, reading_verdict, verdict


def test_a_test_accuracy_reads_as_digits_out_of_100_beside_the_shipped_model():
    assert verdict(0.9712, 2000, reference=0.9885) == (
        "Your model reads 97 in every 100 held-out digits right (97.1% of 2,000); the shipped model, 99 in 100 of the "
        "same digits."
    )


def test_nearly_perfect_is_not_rounded_up_to_100():
    assert out_of_100(0.996) == 99 and out_of_100(1.0) == 100


def test_fewer_than_100_digits_are_counted_as_they_are():
    assert verdict(0.1, 20, stopped=True) == "Stopped early. Your model reads 2 of 20 held-out digits (10.0%)."


def test_a_stopped_runs_figure_says_when_it_was_measured():
    assert verdict(0.919, 1000, stopped=True, when="after epoch 1") == (
        "Stopped early. Your model reads 92 in every 100 held-out digits right (91.9% of 1,000, measured after "
        "epoch 1)."
    )
    assert verdict(1.0, 20, stopped=True, when="on the live grid") == (
        "Stopped early. Your model reads 20 of 20 held-out digits (100.0%, measured on the live grid)."
    )


def test_a_reading_is_right_or_wrong_with_the_true_label():
    assert reading_verdict(7, 7) == "Right: it is a 7"
    assert reading_verdict(4, 9) == "Wrong: it is a 4, read as 9"
