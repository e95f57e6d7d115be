"""Which launcher starts the app's runs: `open_launcher` makes the one `HRNN_LAUNCHER` asks for, and falls back to
the local one, saying why, when Ray cannot be had (docs/architecture.md, "Serving a class"). Apart from both
launchers, so that neither imports the other: the Ray one builds on the local one's error and package root.
"""

import logging

from hrnn import settings
from hrnn.runs.launch.launcher import LaunchError, LocalLauncher

log = logging.getLogger(__name__)


def open_launcher(kind, root=None, spare_data=None, address=None):
    """The launcher `kind` names ("local" or "ray", `settings.launcher()`), as `(launcher, problem)`: `problem` is
    None, or the one line why Ray could not be had, in which case `launcher` is a `LocalLauncher`. Ray is imported
    only when asked for.

    Args:
        root: the runs folder. spare_data: the local launcher's spare worker's data (`LocalLauncher`).
        address: the Ray cluster to join (`settings.ray_address()` if None).
    """
    if kind == "ray":
        from hrnn.runs.launch.ray_launcher import RayLauncher  # imports no Ray until it connects

        try:
            return RayLauncher(root, address=address if address is not None else settings.ray_address()), None
        except LaunchError as exc:
            log.warning("%s; training on this machine instead", exc)
            return LocalLauncher(root, spare_data=spare_data), str(exc)
    return LocalLauncher(root, spare_data=spare_data), None
