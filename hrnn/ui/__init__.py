"""The Streamlit app: one module per page (`*_page`), shared resources and per-session state (`resources`), the
figures (`figures`), and every word, name and label shown to people (`run_names`, `verdict`, `explainers`, ...).

The only part of hrnn that imports streamlit. May import every other package except `hrnn.cli`.
"""
