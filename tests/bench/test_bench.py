"""The throughput benchmark's arithmetic: windows, spread, too few steps."""

import pytest

from hrnn.bench.timing import spread, window_rates
from hrnn.bench.training import check_steps


def test_windows_are_samples_per_second_after_the_warm_up():
    times = [0.0, 10.0, 11.0, 12.0, 13.0, 14.0]  # a slow first batch, then one batch of 32 a second
    assert window_rates(times, warmup=1, window=2) == [64 / 2.0, 64 / 2.0]


def test_spread_is_median_min_max_and_never_nan():
    assert spread([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0}
    assert spread([]) == {"median": None, "min": None, "max": None}


@pytest.mark.parametrize("quick, steps, expected", [(True, None, 40), (False, None, 160), (True, 11, 11)])
def test_steps_default_and_minimum(quick, steps, expected):
    assert check_steps(quick, steps)[0] == expected


def test_too_few_steps_to_time_a_window_are_refused():
    with pytest.raises(ValueError, match="at least 11"):
        check_steps(True, 10)
