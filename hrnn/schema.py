"""Typed reading of JSON objects into dataclasses (standard library only).

A run's files are written by one process and read by others (the app, the CLI, a later version of either), and a
person may edit or damage them. `from_json` turns a parsed JSON object into a dataclass, checking each field
against its annotation, so that a reader gets either the typed object or one `SchemaError` that says which field
is wrong and how, never a half-typed dict that breaks a page three calls later.
"""

import dataclasses
import types
import typing


class SchemaError(ValueError):
    """A JSON value does not have the type its dataclass field says. The message names the field:
    `config.row_units: expected an integer, got '8'`."""


# A dataclass field's metadata key: the names the field had before (a tuple). `from_json` reads a value under an old
# name when the current one is absent, so a record written before a rename still reads (`col_units` -> `image_units`).
OLD_NAMES = "old_names"

_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", type(None): "null"}


def _describe(kind):
    if kind in _NAMES:
        return _NAMES[kind]
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(k) for k in typing.get_args(kind))
    if origin is list or kind is list:
        return "a list"
    if origin is dict or kind is dict:
        return "an object"
    if dataclasses.is_dataclass(kind):
        return "an object"
    return getattr(kind, "__name__", str(kind))


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def convert(value, kind, where):
    """`value` (parsed JSON) as `kind`: int, float (an int is accepted), str, bool, None, a union of these,
    `list[T]`, `dict[str, T]`, `list` or `dict` (any contents), or a dataclass (see `from_json`).

    Raises:
        SchemaError: naming `where` and what was expected.
    """
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(kind):
            try:
                return convert(value, option, where)
            except SchemaError:
                continue
        raise SchemaError(f"{where}: expected {_describe(kind)}, got {_short(value)}")
    if kind is type(None):
        if value is None:
            return None
    elif kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
    elif kind is list or origin is list:
        if isinstance(value, list):
            (item,) = typing.get_args(kind) or (typing.Any,)
            if item is typing.Any:
                return list(value)
            if item in (int, float) and all(type(v) is item for v in value):
                return list(value)  # a long run's batch curves: a million numbers, each already of the right type
            return [convert(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    elif kind is dict or origin is dict:
        if isinstance(value, dict):
            args = typing.get_args(kind)
            if not args or args[1] is typing.Any:
                return dict(value)
            return {str(k): convert(v, args[1], f"{where}.{k}") for k, v in value.items()}
    elif dataclasses.is_dataclass(kind):
        return from_json(kind, value, where)
    else:
        raise TypeError(f"{where}: no reader for the type {kind!r}")
    raise SchemaError(f"{where}: expected {_describe(kind)}, got {_short(value)}")


def from_json(cls, values, where=""):
    """A `cls` (a dataclass) from the JSON object `values`.

    Fields missing from `values` take their defaults (a required field that is missing is an error); keys that
    `cls` does not have are ignored, so that a newer writer's extra fields do not make a record unreadable. A field
    whose metadata names `OLD_NAMES` takes its value from the first of them present when its own name is absent.

    Raises:
        SchemaError: `values` is not an object, a required field is missing, or a field has the wrong type.
    """
    if not isinstance(values, dict):
        raise SchemaError(f"{where or cls.__name__}: expected an object, got {_short(values)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = next((k for k in (f.name, *f.metadata.get(OLD_NAMES, ())) if k in values), f.name)
        name = f"{where}.{key}" if where else key
        if key not in values:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SchemaError(f"{name}: missing")
            continue
        kwargs[f.name] = convert(values[key], hints[f.name], name)
    return cls(**kwargs)
