"""The digits (numpy and Pillow only): MNIST's sources and validation (`mnist`), a run's training, validation and
test arrays (`splits`), the Draw canvas's message read (`drawing`), drawings and uploads made into MNIST digits
(`preprocess`), shifted test digits (`shift`).

May import the base modules only: data know nothing of networks, training or runs.
"""
