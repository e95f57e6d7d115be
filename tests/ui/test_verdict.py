"""Results in plain words (hrnn.ui.common.verdict)."""

from hrnn.ui.common.verdict import reading_verdict, verdict


def test_a_test_accuracy_reads_as_a_count_beside_the_shipped_models_on_the_same_digits():
    assert verdict(0.9712, 2000, reference=0.9885) == (
        "Your model reads 1,942 of 2,000 test digits right (97.1%); the shipped model reads 1,977 of the same 2,000."
    )


def test_the_count_and_the_percentage_never_disagree():
    # "98 in every 100 (97.5%)" seemed to contradict itself; a count says what the percentage says.
    assert verdict(0.975, 1000) == "Your model reads 975 of 1,000 test digits right (97.5%)."
    assert verdict(0.996, 1000) == "Your model reads 996 of 1,000 test digits right (99.6%)."  # not "100 in 100"


def test_few_digits_are_counted_as_they_are():
    assert verdict(0.1, 20, "grid", stopped=True) == (
        "Stopped early. Your model reads 2 of 20 grid digits right (10.0%: only 20 digits, a rough figure)."
    )


def test_a_stopped_runs_figure_says_when_it_was_measured():
    assert verdict(0.919, 1000, "validation", stopped=True, when="after epoch 1") == (
        "Stopped early. Your model reads 919 of 1,000 validation digits right (91.9%, measured after epoch 1)."
    )
    assert verdict(1.0, 20, "grid", stopped=True, when="as it trained") == (
        "Stopped early. Your model reads 20 of 20 grid digits right "
        "(100.0%, measured as it trained: only 20 digits, a rough figure)."
    )


def test_a_reading_is_right_or_wrong_with_the_true_label():
    assert reading_verdict(7, 7) == "Right: it is a 7"
    assert reading_verdict(4, 9) == "Wrong: it is a 4, read as 9"
    assert reading_verdict(8, 8) == "Right: it is an 8"
    assert reading_verdict(8, 3) == "Wrong: it is an 8, read as 3"


def test_someone_elses_run_is_this_model_not_yours():
    assert verdict(0.975, 1000, yours=False) == "This model reads 975 of 1,000 test digits right (97.5%)."
