"""hrnn lab: `streamlit run app.py`. Page setup and navigation only; the pages live in hrnn.ui."""

import streamlit as st

from hrnn.ui.first_screen import while_loading
from hrnn.ui.serving import answer_only_whom_the_server_allows

st.set_page_config(page_title="hrnn lab: a hierarchical RNN on MNIST", page_icon="🔢", layout="wide")
answer_only_whom_the_server_allows()  # this machine only, unless the server was started to serve others
with while_loading():  # the pages import TensorFlow: on a cold start that takes seconds, so say what is happening
    from hrnn._compat import keep_keras_state_across_reruns
    from hrnn.ui import draw_page, evaluate_page, inside_page, style, train_page
    from hrnn.ui.resources import start_launcher
    from hrnn.ui.train_settings import keep_settings

    keep_keras_state_across_reruns()
    start_launcher()  # loads the data and starts the spare worker, so that the first Start trains at once
style.apply()
keep_settings()  # the Train page's settings outlive a visit to another page
page = st.navigation(
    [
        st.Page(train_page.render, title="Train", icon=":material/model_training:", default=True),
        draw_page.page(),
        inside_page.page(),
        evaluate_page.page(),
    ]
)
page.run()
