"""The app's few style rules, for what Streamlit's own settings cannot say: which elements a phone shows (and which
stay on its screen), and the Draw gallery's clickable pictures.

The rules name elements by the `st-key-<key>` class that Streamlit gives every keyed element and container (a
documented hook), and otherwise by Streamlit's test ids; the browser tests check what each rule is for.
"""

import streamlit as st

from hrnn.ui.common.ownership import COOKIE_ELEMENT

# Streamlit's columns stack one under another below this width: the app's "phone" layout.
NARROW_PX = 640
HEADER_PX = 60  # Streamlit's header bar (3.75rem), drawn over the top of the page
PHONE_READING = "phone_reading"  # the key of the Draw page's one-line reading that phones show above its input
CURSOR_PANEL = "inside_cursor_panel"  # the key of Inside's panel: Play, the row cursor and what the network thinks
NAVIGATION_ELEMENT = "navigation"  # the key of the invisible element that minds history and a phone's sidebar (pages)
PRIMARY = "#ef553b"  # .streamlit/config.toml's primaryColor
TAP_PX = 44  # the least a finger taps reliably: each control's size on a phone
WATCHED_DIGIT = "inside_grid_digit"  # the key of Train's buttons that pick the grid digit its inside view watches

RULES = f"""
<style>
/* Phones: no plotly toolbars (a tap shows them over the chart's title); the Draw page's one-line reading, which
   sits above the input because the prediction itself comes below the fold. */
@media (max-width: {NARROW_PX}px) {{
    .modebar-container {{ display: none !important; }}
    /* A finger needs 44 px (Apple's and WCAG's AAA size): buttons (a help "?" too), a radio's whole line and a
       slider's thumb (a 16 px dot inside a 44 px ring that takes the touch). */
    [data-testid="stMain"] button {{ min-height: {TAP_PX}px !important; min-width: {TAP_PX}px !important; }}
    [data-testid="stMain"] [data-testid="stRadio"] label {{ min-height: {TAP_PX}px; align-items: center; }}
    [data-testid="stSidebarNavLink"] {{ min-height: {TAP_PX}px; }}
    [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"] button {{
        min-width: {TAP_PX}px; min-height: {TAP_PX}px;
    }}
    [data-testid="stMain"] [data-testid="stSlider"] [role="slider"] {{
        width: {TAP_PX}px; height: {TAP_PX}px; background: transparent; box-shadow: none;
    }}
    [data-testid="stMain"] [data-testid="stSlider"] [role="slider"]::before {{
        content: ""; position: absolute; inset: 14px; border-radius: 50%; background: {PRIMARY};
    }}
    /* Inside's Play and row cursor stay on screen, under Streamlit's header, while its views, one under another,
       scroll by (the panel's layout wrapper is what sticks: the panel alone fills it exactly, so has no room). */
    [data-testid="stLayoutWrapper"]:has(> .st-key-{CURSOR_PANEL}) {{
        position: sticky; top: {HEADER_PX}px; z-index: 99; background: #ffffff; padding-bottom: 0.3rem;
        box-shadow: 0 6px 6px -6px rgba(0, 0, 0, 0.25);
    }}
}}
@media (min-width: {NARROW_PX + 1}px) {{
    .st-key-{PHONE_READING} {{ display: none; }}
}}

/* The element that keeps this browser's owner key in its cookie shows nothing. */
.st-key-{COOKIE_ELEMENT}, .st-key-{NAVIGATION_ELEMENT} {{ display: none; }}

/* Train's buttons that pick the digit watched: all twenty in view, on as many lines as they need (pills scroll
   sideways in one line otherwise, hiding most of them). */
.st-key-{WATCHED_DIGIT} [data-testid="stButtonGroup"] > div {{ flex-wrap: wrap; overflow-x: visible; }}

/* Train's figures, two to a row: equal halves, so the two rows line up. */
[class*="st-key-metric_row_"] > div {{ flex: 1 1 0 !important; min-width: 0; }}

/* Draw's gallery: each picture's button is laid over the picture and the room under it, so a click anywhere on a
   thumbnail picks it; the number sits under the picture and the chosen one is framed. */
.st-key-test_gallery [class*="st-key-thumb_"] {{ position: relative; padding-bottom: 1.9rem; }}
.st-key-test_gallery [class*="st-key-pick_test_"] {{ position: absolute; inset: 0; z-index: 1; }}
.st-key-test_gallery [class*="st-key-pick_test_"] .stButton,
.st-key-test_gallery [class*="st-key-pick_test_"] .stButton > div,
.st-key-test_gallery [class*="st-key-pick_test_"] [data-testid="stTooltipIcon"],
.st-key-test_gallery [class*="st-key-pick_test_"] [data-testid="stTooltipHoverTarget"] {{ width: 100%; height: 100%; }}
.st-key-test_gallery [class*="st-key-pick_test_"] button {{
    width: 100%; height: 100%; align-items: flex-end; padding: 0 0 0.2rem 0;
    background: transparent; border: 2px solid transparent;
}}
.st-key-test_gallery [class*="st-key-pick_test_"] [data-testid="stBaseButton-primary"] {{
    border-color: {PRIMARY}; color: {PRIMARY}; font-weight: 600;
}}
.st-key-test_gallery [data-testid="stElementToolbar"] {{ display: none; }}
</style>
"""


def apply():
    """Add the rules to the page (a style-only `st.html` takes no room on it)."""
    st.html(RULES)
