"""One setting of a config dataclass as every front end offers it: its field's metadata (help, bounds, choices, the
Train page's narrower bounds) read once into a `Setting`, which checks a value and reads one from text.

A field declares all of it once, with `setting(...)`; `TrainConfig.check`, the command line's flags, `--set`, the Train
page and its lesson links read it from `SETTINGS` (`hrnn.train.config`), so that a bound is changed in one place.
"""

import typing
from dataclasses import dataclass, field, fields

from hrnn.bounds import Bounds, not_one_of, read, refusal
from hrnn.schema import OLD_NAMES


def setting(default, help, flag=True, bounds=None, choices=None, page=None, old_names=()):
    """A config field with what every front end needs to offer it: a help sentence; its `bounds` (a
    `hrnn.bounds.Bounds`, for a number) or its `choices` (for a word); whether the command line has a flag for it
    (`--name-with-dashes`); `page`, narrower bounds the Train page offers (None: the setting's own, within this
    server's limits); and `old_names`, names it had before, still read from old records (`hrnn.schema.OLD_NAMES`),
    as flags, in `--set` and in links."""
    metadata = {"help": help, "flag": flag, "bounds": bounds, "choices": choices, "page": page, OLD_NAMES: old_names}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Setting:
    """One config field as a front end offers it (the CLI, the Train page, `--set`, a lesson link)."""

    name: str
    kind: type  # int, float or str
    optional: bool  # None is a value (off, or all)
    default: object
    help: str
    flag: bool  # the CLI has `--name-with-dashes`
    bounds: Bounds | None  # a number's
    choices: tuple | None  # a word's
    page: Bounds | None  # the Train page's, within `bounds` (None: `bounds`)
    old_names: tuple = ()  # names it had before (`image_units` was `col_units`), still accepted where people type

    @property
    def flag_names(self):
        """The command line's flags: `--image-units`, then its old names' (`--col-units`), kept as aliases."""
        return (self.flag_name, *("--" + old.replace("_", "-") for old in self.old_names))

    @property
    def flag_name(self):
        """The command line's flag: `--batch-size`."""
        return "--" + self.label

    @property
    def label(self):
        """The name a message gives it: `batch-size`."""
        return self.name.replace("_", "-")

    @property
    def page_bounds(self):
        """The bounds the Train page offers it within (before this server's limits)."""
        return self.page or self.bounds or Bounds()

    def refusal(self, value):
        """None if `value` is valid for this setting, else the one line that says why not."""
        if value is None and self.optional:
            return None
        if self.choices is not None:
            return None if value in self.choices else not_one_of(self.label, value, self.choices)
        right_kind = isinstance(value, int) if self.kind is int else isinstance(value, (int, float))
        if right_kind and (self.bounds or Bounds()).contains(value):
            return None
        return refusal(self.label, value, self.kind, self.bounds or Bounds(), self.optional)

    def parse(self, text):
        """The value `text` stands for, of this setting's type and within its bounds ("none" for None where that is
        allowed).

        Raises:
            ValueError: `refusal`'s line, for text that is not a valid value.
        """
        text = text.strip()
        if self.optional and text.lower() == "none":
            return None
        value = text if self.kind is str else read(self.kind, text)
        problem = self.refusal(text if value is None else value)
        if problem:
            raise ValueError(problem)
        return value


def settings_of(config_class):
    """`{field name: Setting}` of a dataclass whose fields were made with `setting`, in its fields' order."""
    hints = typing.get_type_hints(config_class)
    found = {}
    for f in fields(config_class):
        kinds = [k for k in typing.get_args(hints[f.name]) or (hints[f.name],) if k is not type(None)]
        found[f.name] = Setting(
            name=f.name,
            kind=kinds[0],
            optional=type(None) in typing.get_args(hints[f.name]),
            default=f.default,
            **{key: value for key, value in f.metadata.items() if key != OLD_NAMES},
            old_names=tuple(f.metadata.get(OLD_NAMES, ())),
        )
    return found
