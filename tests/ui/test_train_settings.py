"""The line that says what Start will train, in words that are true for the data at hand."""

from hrnn.train.config import DEMO
from hrnn.ui.train.settings import will_train


def test_the_plan_says_how_many_digits_are_held_out_and_how_many_each_check_reads():
    plan = will_train(DEMO, n_train=10_000, held_out=5_000)  # full MNIST: a live run validates on 1,000 of them
    assert "(5,000 more held out to check it; each check reads 1,000 of them)" in plan
    small = will_train(DEMO, n_train=4_500, held_out=500)  # the offline sample: every check reads all 500
    assert "(500 more held out to check it)" in small
