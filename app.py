"""hrnn lab: `streamlit run app.py`. Page setup and navigation only; the pages live in hrnn.ui."""

import streamlit as st

from hrnn.ui import draw_page, evaluate_page, inside_page, train_page
from hrnn.ui.resources import keep_keras_state_across_reruns, start_launcher

st.set_page_config(page_title="hrnn lab: a hierarchical RNN on MNIST", page_icon="🔢", layout="wide")
keep_keras_state_across_reruns()
start_launcher()  # its spare worker warms up now, so the first Start trains at once
page = st.navigation(
    [
        st.Page(train_page.render, title="Train", icon=":material/model_training:", default=True),
        draw_page.page(),
        st.Page(inside_page.render, title="Inside the network", icon=":material/visibility:", url_path="inside"),
        evaluate_page.page(),
    ]
)
page.run()
