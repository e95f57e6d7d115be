"""The Evaluate page: a model on the test set, the comparison of runs, their figures, its address."""
