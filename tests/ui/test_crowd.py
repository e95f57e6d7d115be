"""A watched run's panel refreshes every second unless a crowd watches: the server is one process and keeps time
for the drawings."""

import pytest

from hrnn.ui.train.crowd import CROWDED_SECONDS, SEEN_SECONDS, Crowd, refresh_seconds_for


@pytest.mark.parametrize(
    ("watching", "seconds"), [(1, 1.0), (30, 1.0), (31, 2.0), (60, 2.0), (61, CROWDED_SECONDS), (500, CROWDED_SECONDS)]
)
def test_the_panel_refreshes_less_often_as_more_sessions_watch(watching, seconds):
    assert refresh_seconds_for(watching) == seconds


def test_a_session_counts_once_and_stops_counting_when_it_stops_refreshing():
    crowd = Crowd()
    assert crowd.count("a", now=100.0) == 1
    assert crowd.count("a", now=101.0) == 1  # the same session again
    assert crowd.count("b", now=102.0) == 2
    # "a" left (its page closed: no more refreshes); "b" goes on.
    assert crowd.count("b", now=101.0 + SEEN_SECONDS + 0.5) == 1
    assert crowd.count("c", now=101.0 + SEEN_SECONDS + 1.0) == 2
