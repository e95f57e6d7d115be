"""hrnn's two LSTMs as native TensorFlow ops (C++, forward and gradient), built on first use.

`lstm_op.cc` holds the ops (the row reader's, with its shared blank prefixes, and the image reader's), `build`
compiles it into a cache folder and loads it, `op` decides whether this process uses it and wraps it for
TensorFlow's gradients. Training uses it where it could be built; everywhere else, and with `HRNN_KERNEL=0`,
`hrnn.nn.recurrence`'s TensorFlow path computes the same functions.
"""
