"""hrnn: the hierarchical RNN on MNIST, as a package, a CLI and a Streamlit lab.

Sub-packages, from the bottom up (import-linter keeps the arrows pointing down; see pyproject.toml):
`nn` and `data` -> `train` and `analysis` -> `runs` and `bench` -> `ui` and `cli`. Beside them, the base modules
any package may import: `settings` (every HRNN_* variable), `schema` (typed JSON), `atomic` (atomic writes) and
`_compat` (private names of other libraries, in one place).
"""

__version__ = "0.1.0"
