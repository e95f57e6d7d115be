"""The networks (Keras only): builders for the HRNN and its two baselines (`builders`), the fused LSTM layers that
compute what Keras's compute, faster on a CPU (`layers`), the architectures and how a saved one is recognised
(`architectures`), model files (`model_files`), and what each layer saw (`probe`).

May import the base modules (`hrnn.settings`, ...) only: a network knows nothing of data files, training or runs.
"""
