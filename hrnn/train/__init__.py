"""Training a model (no Streamlit, no files): the config and its presets (`config`), its bounds and the memory
estimate (`limits`), the loop (`loop`), what happens around each step (`tracker`), the optimizers (`optimizers`),
reusable compiled models (`pool`), live progress (`progress`) and the report the loop keeps (`history`).

May import `hrnn.nn`, `hrnn.data` and the base modules; never `hrnn.runs` (the loop hands its report and model to
callbacks: the run's worker keeps them), `hrnn.ui` or `hrnn.cli`.
"""
