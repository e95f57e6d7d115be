"""Reading a trained model (numpy, and Keras through `hrnn.nn`): scores on labelled images (`evaluation`,
`scoring`), which rows mattered (`importance`), the state map (`projection`), what a row changed, the main rival and
the closest call (`narration`: numbers, which the Inside page says in words), the order of hidden units in a heatmap
(`units`), the forward pass row by row (`stepwise`) and what if rows were erased, a unit held or rows transplanted
(`interventions`).

May import `hrnn.nn`, `hrnn.data` and the base modules; never `hrnn.train`, `hrnn.runs`, `hrnn.ui` or `hrnn.cli`.
"""
