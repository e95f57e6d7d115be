"""The Draw page's drawing canvas: a Streamlit component (Components v2: in the page, no iframe, no build step)
made of `draw.html`, `draw.css` and `draw.js` beside this file.

A mouse, a pen or a finger draws white strokes on black (a finger draws rather than scrolls the page); on pen-up the
browser sends the drawing at once, as a PNG data URL (`hrnn.data.drawing.decode_drawing` reads it).
"""

from pathlib import Path

from streamlit.components.v2 import component

NAME = "hrnn_drawing_canvas"
CANVAS_SIZE = 280  # px, the canvas's side; a column narrower than that shows it smaller, still square
FILES = Path(__file__).parent
HTML = (FILES / "draw.html").read_text(encoding="utf-8").replace("{size}", str(CANVAS_SIZE))
CSS = (FILES / "draw.css").read_text(encoding="utf-8")
JS = (FILES / "draw.js").read_text(encoding="utf-8")


def drawing_canvas(key, pen_width):
    """Show the canvas (Streamlit key `key`: a new key gives an empty canvas) drawing with a `pen_width` px pen.

    Returns:
        What is drawn: a PNG data URL (`str`) of the `CANVAS_SIZE` x `CANVAS_SIZE` canvas, white ink in the alpha
        channel; None before the first stroke. It comes from the browser: decode it with `decode_drawing`.
    """
    # Registered on every run, not once: each Streamlit runtime (each AppTest too) has its own registry, and the
    # same definition again is a no-op.
    mount = component(NAME, html=HTML, css=CSS, js=JS)
    data = {"size": CANVAS_SIZE, "pen": pen_width, "instance": key}
    return mount(key=key, data=data, on_drawing_change=_drawn).get("drawing")


def _drawn():
    """Nothing to do when a stroke arrives: the run it starts reads the drawing. Naming the state value "drawing"
    with a callback keeps it in the result from the first run on."""
