"""Strings from files, the address, uploads and exceptions, shown as text: file names, run names, record fields,
messages that contain them.

Streamlit renders what `st.markdown`, `st.caption`, `st.error`, the other alerts and widget help get as Markdown
(GitHub-flavoured; HTML is escaped, Markdown is not): an upload named `![pix](http://host/track.png).png` would put an
image in the page and make the browser fetch it, `[click](http://evil) x.png` a link, and a bare `www.example.com`
or `user@example.com` becomes a link even when its punctuation is escaped (GitHub's autolinks are found in the text
after escapes are read). Every such string goes through `as_text` first. Widget options (selectbox entries, table
cells) are plain text already and need nothing.

`as_text` also keeps the server's paths from visitors: an absolute path is shown as its last name.
"""

import re
import string

from hrnn.runs.store.export import hide_paths

# CommonMark lets a backslash escape any ASCII punctuation character, and then shows that character as itself. So
# escaping all of them disarms every construct the parser knows: links, images, emphasis, code, headings, lists,
# tables, HTML and entities, $ maths.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")  # a line break would start a new block (a heading, a list, a quote)
# What is found in the text after parsing: autolinks (`http://`, `www.`, `name@host`), emoji (`:smile:`) and
# Streamlit's `:colour[...]` and `:material/...:` directives. A word joiner (U+2060, invisible, no line break) after
# a colon that a letter or a slash follows, before every at sign and after a `www` breaks each pattern without
# changing what a reader sees; other colons (`06:38`, `error: ...`) are left as they are.
_JOINER = "\u2060"
_FOUND_AFTER_PARSING = re.compile(r"(?<=:)(?=[A-Za-z/])|(?=@)|(?i:(?<=\bwww)(?=\.))")


def as_text(value):
    """`value` (anything; `str()` is taken) as Markdown that renders exactly as its characters, on one line, with
    every absolute path shortened to `…/<its last name>`.

    Every ASCII punctuation character is backslash-escaped, every run of control characters (line breaks, tabs)
    becomes one space, and a word joiner breaks what would be found as a link or directive after parsing.
    """
    text = hide_paths(_CONTROL.sub(" ", str(value)))
    return _PUNCTUATION.sub(r"\\\1", _FOUND_AFTER_PARSING.sub(_JOINER, text))
