"""Errors as people read them: an exception's message in one line (standard library only). The command line prints
it after `hrnn: error:`; the Ray launcher puts it in a run's record."""


def one_line(exc):
    """`exc`'s message as one line: its first non-blank line, stripped; the exception's type name when it has no
    message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
