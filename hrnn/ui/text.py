"""User-supplied strings shown as text: file names, run names, record fields, messages that contain them.

Streamlit renders what `st.markdown`, `st.caption`, `st.error` and the other alerts get as Markdown (HTML is
escaped, Markdown is not): an upload named `![pix](http://host/track.png).png` would put an image in the page and
make the browser fetch it, `[click](http://evil) x.png` a link. Every such string goes through `as_text` first.
Widget options (selectbox entries, table cells) are plain text already and need nothing.
"""

import re
import string

# CommonMark lets a backslash escape any ASCII punctuation character, and then shows that character as itself. So
# escaping all of them disarms every construct: links, images, emphasis, code, headings, lists, tables, HTML and
# entities, Streamlit's :colour[...] and :material/...: directives, $ maths, and bare URLs (`http\:\/\/...` is
# no longer one).
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")  # a line break would start a new block (a heading, a list, a quote)


def as_text(value):
    """`value` (anything; `str()` is taken) as Markdown that renders exactly as its characters, on one line.

    Every ASCII punctuation character is backslash-escaped and every run of control characters (line breaks, tabs)
    becomes one space.
    """
    return _PUNCTUATION.sub(r"\\\1", _CONTROL.sub(" ", str(value)))
