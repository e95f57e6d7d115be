"""How `python -m hrnn bench` times one side: a round of the original example in plain Keras or of the project's
training path, samples/s over windows of batches, the latency of one call, and the spread of what was measured.

Each function returns numbers (perf_counter times, samples/s, milliseconds); `hrnn.bench.training` runs them,
alternating, and reports.
"""

import time

import numpy as np

BATCH_SIZE = 32


def window_rates(times, warmup, window, batch_size=BATCH_SIZE):
    """Samples/s over consecutive windows of `window` batches, from batch end times, skipping `warmup` batches."""
    times = np.asarray(times[warmup:], dtype=np.float64)
    return [window * batch_size / (times[i + window] - times[i]) for i in range(0, len(times) - window, window)]


def original_model():
    """The original model exactly as the Keras example writes it: TimeDistributed(LSTM) -> LSTM -> Dense."""
    import keras

    image = keras.Input(shape=(28, 28, 1))
    encoded_rows = keras.layers.TimeDistributed(keras.layers.LSTM(128))(image)
    encoded_columns = keras.layers.LSTM(128)(encoded_rows)
    prediction = keras.layers.Dense(10, activation="softmax")(encoded_columns)
    model = keras.Model(image, prediction)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def baseline_round(model, x, y, started, batch_size=BATCH_SIZE):
    """One `fit` of the original model over x; returns batch end times (perf_counter) and the first-batch delay."""
    import keras

    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter())

    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0, callbacks=[Clock()])
    return times, times[0] - started


def project_round(data, steps, pool, batch_size=BATCH_SIZE):
    """One run of the project's training path; returns batch end times and the first-batch delay."""
    from hrnn.train.config import TrainConfig
    from hrnn.train.loop import train
    from hrnn.train.progress import Progress

    class ClockedProgress(Progress):
        def __init__(self):
            super().__init__()
            self.times = []

        def add_batch(self, global_step, loss, accuracy, /, **values):
            self.times.append(time.perf_counter())
            super().add_batch(global_step, loss, accuracy, **values)

    progress = ClockedProgress()
    config = TrainConfig(
        epochs=1, batch_size=batch_size, train_size=steps * batch_size, validation="none", test_limit=0
    )
    train(config, data, progress=progress, pool=pool)
    return progress.times, progress.snapshot().first_batch_seconds


def latency(fn, calls, warmup=5):
    """Milliseconds per call of `fn` after `warmup` calls: `{"median_ms", "p95_ms", "calls"}`."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return {"median_ms": float(np.median(samples)), "p95_ms": float(np.percentile(samples, 95)), "calls": calls}


def drawn_seven():
    """A 280 x 280 RGBA canvas with a drawn '7', transparent background, as the canvas component returns it."""
    from PIL import Image, ImageDraw

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    pen = ImageDraw.Draw(canvas)
    pen.line([(70, 60), (210, 60), (120, 230)], fill=(255, 255, 255, 255), width=22, joint="curve")
    return np.asarray(canvas)


def spread(values):
    """`{"median", "min", "max"}` of `values`, or all None when there are none (too few steps to time)."""
    if not len(values):
        return {"median": None, "min": None, "max": None}
    return {"median": float(np.median(values)), "min": float(np.min(values)), "max": float(np.max(values))}


def round_medians(rounds_windows):
    """The median samples/s of each round (rounds with no complete window are left out)."""
    return [float(np.median(w)) for w in rounds_windows if len(w)]
