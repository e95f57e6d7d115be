"""hrnn lab: `streamlit run app.py`. Page setup and navigation only; the pages live in hrnn.ui."""

import streamlit as st

from hrnn.ui.common.first_screen import while_loading
from hrnn.ui.common.serving import answer_only_whom_the_server_allows

st.set_page_config(page_title="hrnn lab: a hierarchical RNN on MNIST", page_icon="🔢", layout="wide")
answer_only_whom_the_server_allows()  # this machine only, unless the server was started to serve others
with while_loading():  # the pages import TensorFlow: on a cold start that takes seconds, so say what is happening
    from hrnn._compat import keep_keras_state_across_reruns
    from hrnn.ui import pages
    from hrnn.ui.common import style
    from hrnn.ui.common.resources import start_launcher
    from hrnn.ui.draw.page import render as draw
    from hrnn.ui.evaluate.page import render as evaluate
    from hrnn.ui.inside.page import render as inside
    from hrnn.ui.train.page import render as train
    from hrnn.ui.train.settings import keep_settings

    keep_keras_state_across_reruns()
    start_launcher()  # loads the data and starts the spare worker, so that the first Start trains at once
style.apply()
keep_settings()  # the Train page's settings outlive a visit to another page
page = pages.navigation({pages.TRAIN: train, pages.DRAW: draw, pages.INSIDE: inside, pages.EVALUATE: evaluate})
page.run()
