"""The Streamlit pages. The only part of hrnn that imports streamlit."""
