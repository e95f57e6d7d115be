"""Which views apply to a model: a page that shows an HRNN's insides says so, in one sentence, for a baseline."""

import numpy as np
import streamlit as st

from hrnn.nn.architectures import model_architecture
from hrnn.nn.probe import predict_one
from hrnn.ui.common.labels import ARCH_LABELS
from hrnn.ui.common.resources import mnist_or_error
from hrnn.ui.common.session import current_input
from hrnn.ui.common.text import as_text


def inside_applies(model):
    """True if `model` has Inside the network's views (an HRNN); otherwise show one sentence saying which views
    apply to it, with its prediction for the current input, and return False. None (no model) passes through."""
    if model is None:
        return True
    arch = model_architecture(model)
    if "inside" in arch.views:
        return True
    image, origin = current_input()
    if image is None:
        data, error = mnist_or_error()
        if error is None:
            image = data.x_test[0].astype(np.float32) / 255.0
            origin = f"test image 0 (true label {int(data.y_test[0])})"
    reading = ""
    if image is not None:
        probs = predict_one(model, image)
        digit = int(np.argmax(probs))
        reading = f" It reads {as_text(origin)} as **{digit}** ({probs[digit]:.1%})."
    st.info(
        f"This model is a {as_text(ARCH_LABELS[arch.name])}: it has no row reader or image reader, so of this page "
        f"only the prediction applies to it; Draw and Evaluate work for it in full.{reading}",
        icon=":material/info:",
    )
    return False
