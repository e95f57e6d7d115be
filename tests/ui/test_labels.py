"""The one percent formatter every page uses."""

import pytest

from hrnn.ui.common.labels import percent


@pytest.mark.parametrize(
    "share, decimals, text",
    [
        (0.6234, 1, "62.3%"),
        (0.0004, 1, "<0.1%"),
        (0.9996, 1, ">99.9%"),
        (0.9994, 1, "99.9%"),
        (0.0, 1, "0.0%"),
        (1.0, 1, "100.0%"),
        (None, 1, "-"),
        (0.001, 0, "<1%"),
        (0.623, 0, "62%"),
        (0.9996, 0, ">99%"),
    ],
)
def test_a_share_never_rounds_to_certainty(share, decimals, text):
    assert percent(share, decimals) == text
