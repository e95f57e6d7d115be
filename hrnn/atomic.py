"""Atomic writes: a file is replaced whole or not at all (standard library only; a model is anything with
`save(path)`).

Each writes a temporary file in the target's folder, flushes and fsyncs it, then renames it over the target with
`os.replace`, so a crash or a kill at any point leaves the previous complete file or the new one, never half of one.
A kill can leave the temporary file too: hidden (`.record.json.<random>.tmp`, `.model.<random>.keras`), and told
apart by `is_temporary` so that whoever owns the folder can remove it.
"""

import json
import os
import tempfile
from pathlib import Path


def is_temporary(name):
    """Whether a file named `name` is the temporary file of an atomic write (whole or left by a kill)."""
    return name.startswith(".") and name.endswith((".tmp", ".keras"))


def atomic_write_bytes(path, data):
    """Write `data` to `path` atomically (temp file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path, obj):
    """Write `obj` as indented JSON to `path` atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def atomic_save_model(model, path):
    """Save a Keras model to `path` (`.keras`) atomically: Keras writes a temp file that is then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".keras")
    os.close(fd)
    try:
        model.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
