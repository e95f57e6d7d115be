"""`python -m hrnn bench`: training and probing throughput against the original example in plain Keras
(`training`), and how fast a preset learns, in seconds and images to each accuracy (`demo`).

May import `hrnn.train`, `hrnn.analysis`, `hrnn.nn`, `hrnn.data` and the base modules; never `hrnn.ui` or `hrnn.cli`.
"""
