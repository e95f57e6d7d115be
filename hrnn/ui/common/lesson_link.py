"""Lesson links: what a page shows lives in its address, so that a teacher can hand out a link and another browser (or
another server with the same models and data) opens the same view. What every page shares lives here: the "Share
this view" box (the same widget on every page), applying an address once, reading its values, and the one line that
says a value was ignored.

Each page names its own values (its folder's `link`: `hrnn.ui.inside.link`, `hrnn.ui.draw.link`, ...; the model is
`?model=`, `hrnn.ui.common.model_picker`). An address is applied once, when its values differ from what this session
last applied or wrote on that page, so the page's own writes never override what a person then chooses. A value that
cannot be used (an unknown run, a path, a huge number, Markdown) is ignored with one line that says so.
"""

from urllib.parse import urlencode

import streamlit as st

from hrnn.bounds import Bounds, not_one_of
from hrnn.bounds import number as bounded_number
from hrnn.bounds import whole_number as bounded_whole_number
from hrnn.ui.common.session import test_image
from hrnn.ui.common.text import as_text

APPLIED = "lesson_link_applied"  # session key: {page: the values of its address last applied or written}
DIGIT = "digit"  # the address's test digit, on Draw and on Inside: /draw?digit=149


class LinkValueError(ValueError):
    """A value of the address that cannot be used; its message says why, in a few words."""


def _values(names):
    return {name: st.query_params.get(name) for name in names}


def new_address(page, names):
    """`{name: value}` of the address's `names` (None where absent) when they differ from what this session last
    applied or wrote on `page`, else None. Either way they count as applied from now on."""
    values = _values(names)
    applied = st.session_state.setdefault(APPLIED, {})
    if {name: applied.get(page, {}).get(name) for name in names} == values:
        return None
    applied[page] = values
    if all(value is None for value in values.values()):
        return None
    return values


def write_address(page, values):
    """Put `values` (`{name: text or None}`; None removes the name) in the address, as what `page` shows now."""
    for name, value in values.items():
        if value is None:
            st.query_params.pop(name, None)
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
    st.session_state.setdefault(APPLIED, {})[page] = _values(values)


def say_ignored(reasons):
    """One caption line for the values of a link that were ignored (`reasons`: a few words each), or nothing."""
    if reasons:
        st.caption(as_text(f"Part of this link was ignored: {'; '.join(reasons)}."))


def whole_number(text, low, high, what):
    """`text` as an integer from `low` to `high` (`hrnn.bounds.whole_number`). Raises LinkValueError naming `what`."""
    value = bounded_whole_number(text, Bounds(low, high))
    if value is None:
        raise LinkValueError(f"{what} are {low:,} to {high:,}, got {(text or '').strip()[:20]!r}")
    return value


def number(text, low, high, what):
    """`text` as a number from `low` to `high` (`hrnn.bounds.number`: finite, no longer than a person types).
    Raises LinkValueError naming `what`."""
    value = bounded_number(text, Bounds(low, high))
    if value is None:
        raise LinkValueError(f"{what} is {low:g} to {high:g}, got {(text or '').strip()[:20]!r}")
    return value


def one_of(text, words, what):
    """`text` if it is one of `words`. Raises LinkValueError naming `what` (`hrnn.bounds.not_one_of`'s line)."""
    if text not in words:
        raise LinkValueError(not_one_of(what, text, words))
    return text


def test_digit(text, data):
    """The test digit the address names: `(image28, description)`. Raises LinkValueError."""
    if data is None:
        raise LinkValueError(f"there are no test digits on this server, got {text[:20]!r}")
    image, origin, _ = test_image(data, whole_number(text, 0, len(data.y_test) - 1, "test digits"))
    return image, origin


def row_list(text, what="rows"):
    """`"3,4,9"` as sorted distinct rows 1 to 28. Raises LinkValueError naming `what`."""
    rows = [bounded_whole_number(part, Bounds(1, 28)) for part in (text or "").split(",")]
    if None in rows:
        raise LinkValueError(f"{what} are 1 to 28, got {text[:40]!r}")
    return sorted(set(rows))


def rows_text(rows):
    """Rows as an address holds them: `[3, 4, 9]` -> "3,4,9"; None for none."""
    return ",".join(str(r) for r in rows) if rows else None


def share_box(opens, watch_only=None):
    """The page's address, with a copy button, for a lesson; `opens` says in a few words what it opens ("this digit,
    its experiment and this model"). `watch_only`: the query of a link that only watches the page's run (the Train
    page's, `train_link.watch_only_link`), offered too."""
    page = (st.context.url or "").split("?")[0]  # none without a browser (a test)
    query = urlencode(st.query_params.to_dict(), safe=",")  # "erase=16,17" as a person would type it
    with st.expander("Share this view", icon=":material/link:"):
        st.caption(f"Copy this link (the button at its right): it opens {opens} in any browser.")
        st.code(page + ("?" + query if query else ""), language=None, wrap_lines=True)
        if watch_only:
            st.caption(
                "To let a class watch this run, live, with nothing to press: this link. Either link lets others "
                "watch the run, never stop it: only this browser can."
            )
            st.code(f"{page}?{watch_only}", language=None, wrap_lines=True)
        st.caption("A model travels by its name: the server that opens the link needs the same runs.")
