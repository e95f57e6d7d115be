"""The app's four pages, made in one place: `st.navigation` (app.py) gets them from `navigation`, and a page that
sends a person to another (a button to Draw, to Inside) goes through `switch_to`, so no page imports another.

This module imports no page: app.py hands it the pages' render functions, and it keeps the page objects it made for
`switch_to` (`st.switch_page` wants the very page `st.navigation` holds).
"""

import streamlit as st
from streamlit.components.v2 import component

from hrnn.ui.common.style import NARROW_PX, NAVIGATION_ELEMENT

TRAIN, DRAW, INSIDE, EVALUATE = "train", "draw", "inside", "evaluate"  # each page's name, also its address
LOOKS = {  # name -> (title, icon), in the navigation's order
    TRAIN: ("Train", ":material/model_training:"),
    DRAW: ("Draw", ":material/draw:"),
    INSIDE: ("Inside the network", ":material/visibility:"),
    EVALUATE: ("Evaluate", ":material/analytics:"),
}
_made = {}  # name -> the st.Page last handed to st.navigation (the same render function for every session)
# Two things the browser does better than Streamlit's defaults, in one invisible element (hidden: hrnn.ui.common.style):
# - History: Streamlit adds a history entry each time a page writes its address (`st.query_params`), so Back from
#   `/inside?digit=769` went to `/inside`, not to the page before. A page's own address changes now replace its entry;
#   a page change still adds one, so Back returns to the previous page's view, address and all.
# - A phone's sidebar covers 300 of 390 px, and Streamlit leaves it open after a tap on a page in it: it closes on
#   each page change where the screen is narrow. Not on a page's first load (the element may mount after a person
#   has opened the sidebar), nor when the page runs again: a sidebar opened to pick a model stays open.
_NAVIGATION_JS = """
export default function ({ data }) {
  if (!window.hrnnHistory) {
    window.hrnnHistory = true;
    const push = window.history.pushState.bind(window.history);
    window.history.pushState = (state, title, url) => {
      const next = url === undefined || url === null ? null : new URL(url, window.location.href);
      if (next && next.pathname === window.location.pathname) {
        return window.history.replaceState(state, title, url);  // the same page, a new address: no new entry
      }
      return push(state, title, url);
    };
  }
  const last = window.hrnnPage;
  window.hrnnPage = data.page;
  if (last === undefined || last === data.page || window.innerWidth > data.narrow) return;  // not a page change
  // The sidebar's header may be drawn again while the new page arrives: look for its button for up to 2 s.
  const close = (tries) => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    if (window.hrnnPage !== data.page || (sidebar && sidebar.getAttribute("data-collapsed") !== "false")) return;
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && button) button.click();
    else if (tries > 0) setTimeout(() => close(tries - 1), 100);
  };
  close(20);
}
"""


def navigation(renders):
    """`st.navigation` over the pages `renders` names (`{name: render function}`, in the navigation's order); Train,
    when given, is the default page (at the app's root address). Returns the page to run (`.run()` it)."""
    made = {
        name: st.Page(render, title=LOOKS[name][0], icon=LOOKS[name][1], url_path=name, default=name == TRAIN)
        for name, render in renders.items()
    }
    _made.update(made)
    page = st.navigation(list(made.values()))
    helper = component("hrnn_navigation", html="<span></span>", js=_NAVIGATION_JS)
    helper(key=NAVIGATION_ELEMENT, data={"page": page.url_path, "narrow": NARROW_PX})
    return page


def switch_to(name):
    """Go to the page `name` (`DRAW`, `INSIDE`, ...). Raises KeyError for a page no navigation holds."""
    st.switch_page(_made[name])
