"""The row reader's LSTM as one native TensorFlow op (C++, forward and gradient), built on first use.

`lstm_op.cc` is the op, `build` compiles it into a cache folder and loads it, `op` decides whether this process uses
it and wraps it for TensorFlow's gradients. Training uses it where it could be built; everywhere else, and with
`HRNN_KERNEL=0`, `hrnn.nn.recurrence`'s TensorFlow path computes the same function.
"""
