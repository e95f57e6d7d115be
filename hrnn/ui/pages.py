"""The app's four pages, made in one place: `st.navigation` (app.py) gets them from `navigation`, and a page that
sends a person to another (a button to Draw, to Inside) goes through `switch_to`, so no page imports another.

This module imports no page: app.py hands it the pages' render functions, and it keeps the page objects it made for
`switch_to` (`st.switch_page` wants the very page `st.navigation` holds).
"""

import streamlit as st

TRAIN, DRAW, INSIDE, EVALUATE = "train", "draw", "inside", "evaluate"  # each page's name, also its address
LOOKS = {  # name -> (title, icon), in the navigation's order
    TRAIN: ("Train", ":material/model_training:"),
    DRAW: ("Draw", ":material/draw:"),
    INSIDE: ("Inside the network", ":material/visibility:"),
    EVALUATE: ("Evaluate", ":material/analytics:"),
}
_made = {}  # name -> the st.Page last handed to st.navigation (the same render function for every session)


def navigation(renders):
    """`st.navigation` over the pages `renders` names (`{name: render function}`, in the navigation's order); Train,
    when given, is the default page (at the app's root address). Returns the page to run (`.run()` it)."""
    made = {
        name: st.Page(render, title=LOOKS[name][0], icon=LOOKS[name][1], url_path=name, default=name == TRAIN)
        for name, render in renders.items()
    }
    _made.update(made)
    return st.navigation(list(made.values()))


def switch_to(name):
    """Go to the page `name` (`DRAW`, `INSIDE`, ...). Raises KeyError for a page no navigation holds."""
    st.switch_page(_made[name])
