""" "How this works": a line and a folded paragraph at the top of every page, written for a student who has never met
an LSTM.

The network's parts have one name each, everywhere in the app: the **row reader** (the LSTM that reads each pixel row
left to right), the **image reader** (the LSTM that reads the 28 row summaries top to bottom) and the
**classifier**; the settings the app starts from are "the original Keras example".
"""

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Explainer:
    """What one page says about itself."""

    line: str  # one sentence under the title, always shown
    more: str  # two to four sentences (Markdown), folded under "How this works"


TRAIN = Explainer(
    "Press Start and watch a neural network learn to read handwritten digits: the loss falls as it learns, and the "
    "twenty digits it never trains on turn green as it reads them right.",
    "An image is 28 rows of 28 pixels. The **row reader** (an LSTM: a layer that reads a sequence one step at a time "
    "and keeps a memory of what it has seen) reads each row left to right and sums it up as a list of numbers; the "
    "**image reader** (a second LSTM) reads those 28 summaries top to bottom; the **classifier** turns what it read "
    "into ten probabilities, one per digit.\n\n"
    "The network starts with random weights and reads at chance (10%). For each batch of images (32 by default) "
    "it guesses, measures how wrong it was (the **loss**) and nudges every weight to be a little less wrong. "
    "**Validation** digits are held out: it never trains on them, so they show whether it learned to read digits "
    "or only memorised the ones it saw.",
)
# Said under the Train page's explanation where its settings are shown (not in a lesson link's teacher mode).
TRAIN_SETTINGS_NOTE = (
    "\n\n*Quick demo* learns in a few minutes on a laptop; *the original Keras example* repeats that example's "
    "settings exactly (much slower). Point at the ? beside a setting for what it does."
)

DRAW = Explainer(
    "Draw a digit, or pick one, and a neural network reads it, one pixel row at a time.",
    "The network reads a digit the way you read a page: line by line, top to bottom. Its **row reader** reads each "
    "of the 28 pixel rows from left to right and sums it up in a list of numbers; its **image reader** reads those "
    "28 summaries from top to bottom, keeping a running memory of the image; its **classifier** turns that memory "
    "into ten probabilities, one per digit. Your drawing is first shrunk to 28 x 28 pixels, like the handwritten "
    "digits the network learned from: the small picture under the bars is exactly what it reads. The shipped model "
    "is the network of the original Keras example, trained on 55,000 of those digits.",
)

INSIDE = Explainer(
    "Watch the network read the digit from Draw, row by row, and what it thinks after each row.",
    "After every pixel row the **image reader** updates its memory (its *state*: a list of numbers between -1 and "
    "+1), and the **classifier** says which digit the network would answer if it stopped reading there. Move the "
    "row cursor, or press Play: every view follows it, from the answer taking shape to the rows it rests on and the "
    "memory's path among other test digits.",
)

EVALUATE = Explainer(
    "How well a model reads test digits it never saw while learning, and where it goes wrong.",
    "A model learns from training digits; the test digits are kept apart, so its score on them says how it will do "
    "on new handwriting. The confusion matrix counts, for each true digit, what the model read it as: the diagonal "
    "is read right, every other cell is one kind of mistake. Click a cell to see its digits and open any of them "
    "on Draw or Inside the network. *Compare runs* lays the learning curves of your training runs over each other "
    "and over the shipped model's, which started from the original Keras example's settings.",
)


def explain(explainer, key, more=""):
    """Draw `explainer`'s line and a folded "How this works" expander (key `key`) holding the rest, and `more`
    (Markdown) after it.

    The expander is filled only while it is open (opening it reruns the page): a closed expander's content keeps its
    boxes in the browser's layout, invisible, over whatever follows it, and the pages' layout checks count those.

    Returns:
        The expander: a page adds what it learns later (a model's sizes) when `.open`.
    """
    st.caption(explainer.line)
    how = st.expander("How this works", icon=":material/help:", key=key, on_change="rerun")
    if how.open:
        how.markdown(explainer.more + more)
    return how
