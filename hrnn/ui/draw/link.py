"""The Draw page's address (a lesson link, `hrnn.ui.common.lesson_link`): the test digit it reads.

    /draw?digit=149&model=<run id>      test digit 149, read by that model

A drawing does not travel in Draw's address (the canvas cannot be given one); Inside the network's does
(`hrnn.ui.inside.link`), and the share box says so.
"""

import streamlit as st

from hrnn.ui.common.lesson_link import DIGIT, LinkValueError, new_address, test_digit, write_address
from hrnn.ui.common.session import OPEN_TEST_IMAGE

PAGE = "draw"
TEST_SOURCE = "Test digit"  # the page's input source that reads test digits (`hrnn.ui.draw.page.SOURCES`)


def apply(data):
    """Have the page read the test digit its address names (as if another page asked: `OPEN_TEST_IMAGE`) when the
    address changed since this session applied or wrote it; returns the reasons a value was ignored."""
    link = new_address(PAGE, (DIGIT,))
    if link is None:
        return []
    try:
        test_digit(link[DIGIT], data)
    except LinkValueError as exc:
        write_address(PAGE, {DIGIT: None})  # gone before the input's fragment writes the address (and reruns)
        return [str(exc)]
    st.session_state[OPEN_TEST_IMAGE] = int(link[DIGIT])
    return []


def follow(source, index):
    """Put the input shown (`source`, and test digit `index` when it reads test digits) in the address. Called in
    the input's fragment: when that changes the address, the whole page runs again, so that its share box, drawn
    outside the fragment, shows the new address."""
    digit = str(index) if source == TEST_SOURCE and index is not None else None
    changed = st.query_params.get(DIGIT) != digit
    write_address(PAGE, {DIGIT: digit})
    if changed:
        st.rerun(scope="app")


def opens(source):
    """What the share box says its link opens."""
    if source == TEST_SOURCE:
        return "this test digit and this model"
    return "this page and this model (a drawing or a picture does not travel in the link: Inside the network's does)"
