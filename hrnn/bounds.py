"""Values read from text and checked against bounds, the same way for every front end (standard library only): a
whole number, a number, one of some words, and the one line that says what was expected.

Text is read strictly. A whole number is ASCII digits, with a minus in front where it is negative: `int` also takes
`1_000` and other scripts' digits, and `str.isdigit` also says yes to `²`, which `int` refuses. A number is what
`float` reads from ASCII text of a few dozen characters, and finite. Longer text is refused before it is converted.
"""

import math
from dataclasses import dataclass

MAX_CHARS = 32  # no bound anywhere needs a longer number; `int` of thousands of digits is slow, then refused


@dataclass(frozen=True)
class Bounds:
    """Where a number may lie: from `low` to `high` (None: no bound on that side); `low_open`/`high_open`: the bound
    itself is refused ("above 0"). `why` says, in a few words, why `high` is where it is (shown when it is passed)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    why: str | None = None

    def contains(self, value):
        """Whether `value` is a number (not a bool, not NaN) within these bounds."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or not (value > self.high or (self.high_open and value == self.high))

    def expected(self, kind):
        """What a value within these bounds is, in words, for `kind` int or float: "a positive integer", "an integer
        from 0 to 4,294,967,295", "a number between 0 and 10". With `why`, the high bound is left to `refusal`."""
        high = None if self.why else self.high
        if kind is int:
            if high is None and self.low == 1:
                return "a positive integer"
            if high is None and self.low == 0:
                return "0 or a positive integer"
            if high is None or self.low is None:
                return "an integer" + (f" of at least {self.low:,}" if self.low is not None else "")
            return f"an integer from {self.low:,} to {high:,}"
        if self.low == 0 and self.low_open and high is None:
            return "a positive number"
        if self.low is None or high is None:
            return "a number" + (f" above {_shown(self.low)}" if self.low is not None else "")
        return f"a number between {_shown(self.low)} and {_shown(high)}"


def _shown(number):
    """A bound as a person reads it: 1,000,000 for 1e6, 0.001 for 1e-3."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        number = int(number)
    return f"{number:,}" if isinstance(number, int) else f"{number:g}"


def whole_number(text, bounds=Bounds()):
    """`text` (spaces around it ignored) as an integer within `bounds`, or None when it is not one."""
    text = (text or "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_CHARS:
        return None
    value = int(text)
    return value if bounds.contains(value) else None


def number(text, bounds=Bounds()):
    """`text` (spaces around it ignored) as a finite float within `bounds`, or None when it is not one."""
    text = (text or "").strip()
    if not text.isascii() or len(text) > MAX_CHARS:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and bounds.contains(value) else None


def read(kind, text, bounds=Bounds()):
    """`text` as a value of `kind` (int: `whole_number`, float: `number`) within `bounds`, or None."""
    return whole_number(text, bounds) if kind is int else number(text, bounds)


def _got(value):
    if isinstance(value, str):
        return repr(value[:40])
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)


def refusal(what, value, kind, bounds, optional=False):
    """The one line that refuses `value` (a value, or the text it was read from) for `what` (the setting's name),
    of `kind` (int or float) within `bounds`: "epochs must be a positive integer, got 0", "epochs must be at most
    1,000 (far past where ...), got 5,000". `optional`: None ("none") is a value too."""
    above = isinstance(value, (int, float)) and not isinstance(value, bool) and bounds.high is not None
    if bounds.why and above and value > bounds.high:
        return f"{what} must be at most {_shown(bounds.high)} ({bounds.why}), got {_got(value)}"
    return f"{what} must be {bounds.expected(kind)}{' (or none)' if optional else ''}, got {_got(value)}"


def not_one_of(what, value, choices):
    """The one line that refuses `value` for `what`, which must be one of `choices`:
    "optimizer must be one of rmsprop, adam, got 'adagrad'"."""
    words = ", ".join(str(choice) for choice in choices)
    return f"{what} must be {'one of ' if len(choices) > 1 else ''}{words}, got {_got(value)}"


def one_of(value, choices, what):
    """`value` if it is one of `choices`; else raise ValueError with `not_one_of`'s line, naming `what`."""
    if value not in choices:
        raise ValueError(not_one_of(what, value, choices))
    return value
