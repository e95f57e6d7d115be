"""The Train page's settings outlive a visit to another page, as app.py's navigation shows them."""

from streamlit.testing.v1 import AppTest

from tests.support.app import TIMEOUT

# app.py's order: keep the settings, then draw the page the person is on (here chosen by a session key). With
# "drop_settings" set, the run starts without the settings' widget values, as a rerun that carries none does.
TWO_PAGES = """
import streamlit as st
from hrnn.ui.draw import page as draw_page
from hrnn.ui.train import page as train_page
from hrnn.ui.train.settings import keep_settings

if st.session_state.pop("drop_settings", False):
    for key in [key for key in st.session_state if str(key).startswith("cfg_")]:
        del st.session_state[key]
keep_settings()
(draw_page if st.session_state.get("on_draw") else train_page).render()
"""


def test_settings_changed_on_train_are_still_there_after_a_visit_to_draw():
    at = AppTest.from_string(TWO_PAGES, default_timeout=TIMEOUT).run()
    at.number_input(key="cfg_epochs").set_value(7).run()
    at.selectbox(key="cfg_optimizer").set_value("adam").run()
    at.session_state["on_draw"] = True
    at.run()  # the Draw page: none of the settings' widgets is drawn
    assert not at.exception and not at.number_input
    at.session_state["on_draw"] = False
    at.run()
    assert not at.exception
    assert at.number_input(key="cfg_epochs").value == 7
    assert at.selectbox(key="cfg_optimizer").value == "adam"


def test_settings_come_back_even_where_the_browser_dropped_them_before_the_next_run():
    # On a 390-px-wide page in Chromium, the rerun that a sidebar link asks for carries no value for the folded
    # settings' widgets, so Streamlit drops them before the Draw page's run starts.
    at = AppTest.from_string(TWO_PAGES, default_timeout=TIMEOUT).run()
    at.number_input(key="cfg_epochs").set_value(7).run()
    at.session_state["drop_settings"] = True
    at.session_state["on_draw"] = True
    at.run()
    at.session_state["on_draw"] = False
    at.run()
    assert not at.exception
    assert at.number_input(key="cfg_epochs").value == 7
