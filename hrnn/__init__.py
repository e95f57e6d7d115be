"""hrnn: the hierarchical RNN on MNIST, as a package, a CLI and a Streamlit lab."""

__version__ = "0.1.0"
