"""The Streamlit app: a folder per page (`train`, `draw`, `inside` with its What if, `evaluate`), each holding its
page (`page`), its address (`link`), its figures and the widgets only it uses; what the pages share in `common`
(resources and per-session state, every word, name and label shown to people, the shared figure settings); and
`pages`, which makes the page objects, so that page folders never import each other.

The only part of hrnn that imports streamlit. May import every other package except `hrnn.cli`.
"""
