"""The common shape of every pluggable component: a dataclass whose fields are its parameters.

Datasets, models, metrics, objectives and penalties all subclass :class:`Component`.
A suite file names a component and sets some of its fields; :func:`build` checks
each given value against the field's type and bounds and fills in every default,
so a resolved configuration always states every parameter explicitly.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin

from ganbench.errors import ConfigError

C = TypeVar("C", bound="Component")


def param(
    default: Any,
    *,
    help: str = "",
    min: float | None = None,
    max: float | None = None,
    exclusive_min: bool = False,
) -> Any:
    """A component parameter with a default, a one-line help text and optional bounds."""
    meta = {"help": help, "min": min, "max": max, "exclusive_min": exclusive_min}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


class Component:
    """Base class of pluggable components. Subclasses are dataclasses with a ``name``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    @classmethod
    def param_fields(cls) -> list[dataclasses.Field[Any]]:
        return [f for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]

    def params(self) -> dict[str, Any]:
        """Every parameter with its value, as plain JSON-able data."""
        return {f.name: plain(getattr(self, f.name)) for f in self.param_fields()}


def plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value


def suggest(name: str, choices: typing.Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else the accepted values."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.7)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; choose from: {', '.join(choices)}" if choices else ""


def describe_type(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (types.UnionType, typing.Union):
        return " or ".join(describe_type(a) for a in get_args(tp))
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {describe_type(args[0])}"
        return f"a list of {len(args)} " + "/".join(describe_type(a) for a in args)
    if origin is list:
        return f"a list of {describe_type(get_args(tp)[0])}"
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def coerce(value: Any, tp: Any, where: str) -> Any:
    """Check ``value`` (parsed from TOML) against type ``tp``; return it normalised."""
    origin = get_origin(tp)
    bad = ConfigError(f"{where}: expected {describe_type(tp)}, got {value!r}", key=where)
    if origin is Literal:
        if value not in get_args(tp) or isinstance(value, bool) != any(
            isinstance(a, bool) for a in get_args(tp) if a == value
        ):
            raise bad
        return value
    if origin in (types.UnionType, typing.Union):
        for arg in get_args(tp):
            try:
                return coerce(value, arg, where)
            except ConfigError:
                continue
        raise bad
    if origin in (tuple, list):
        args = get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise bad
        if origin is list or (len(args) == 2 and args[1] is Ellipsis):
            items = [coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
        else:
            if len(value) != len(args):
                raise bad
            items = [coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=False))]
        return tuple(items) if origin is tuple else items
    if tp is type(None):
        if value is not None:
            raise bad
        return None
    if tp is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}", key=where)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad
        return value
    raise ConfigError(f"{where}: unsupported parameter type {tp!r}", key=where)


def check_bounds(value: Any, meta: Mapping[str, Any], where: str) -> None:
    """Check a coerced value (each item of a list) against a field's ``min``/``max``/``exclusive_min``."""
    lo, hi = meta.get("min"), meta.get("max")
    for v in value if isinstance(value, (list, tuple)) else [value]:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if lo is not None and (v < lo or (meta.get("exclusive_min") and v == lo)):
            op = ">" if meta.get("exclusive_min") else ">="
            raise ConfigError(f"{where}: must be {op} {lo}, got {v!r}", key=where)
        if hi is not None and v > hi:
            raise ConfigError(f"{where}: must be <= {hi}, got {v!r}", key=where)


def build(cls: type[C], given: Mapping[str, Any], where: str) -> C:
    """Instantiate component ``cls`` from user parameters, validating every one."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in cls.param_fields()}
    kwargs: dict[str, Any] = {}
    for key, value in given.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown key '{key}'{suggest(key, fields)}", key=f"{where}.{key}")
        f = fields[key]
        v = coerce(value, hints[key], f"{where}.{key}")
        check_bounds(v, f.metadata, f"{where}.{key}")
        kwargs[key] = v
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}", key=where) from None
    check = getattr(obj, "validate", None)
    if check is not None:
        try:
            check()
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}", key=where) from None
    return obj


def _from_plain(value: Any, tp: Any) -> Any:
    """Undo :func:`plain`: JSON lists back to the tuples a field's type asks for."""
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        for arg in get_args(tp):
            if get_origin(arg) is tuple and isinstance(value, (list, tuple)):
                return _from_plain(value, arg)
        return value
    if origin is tuple and isinstance(value, (list, tuple)):
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_plain(v, args[0]) for v in value)
        return tuple(_from_plain(v, a) for v, a in zip(value, args, strict=False))
    return value


def restore(cls: type[C], params: Mapping[str, Any]) -> C:
    """Instantiate ``cls`` from parameters that :func:`build` already validated (a resolved
    trial's ``params()``), without validating them again."""
    hints = typing.get_type_hints(cls)
    return cls(**{k: _from_plain(v, hints[k]) for k, v in params.items()})


def param_table(cls: type[Component]) -> list[tuple[str, str, Any, str]]:
    """(name, type, default, help) for every parameter of ``cls``."""
    hints = typing.get_type_hints(cls)
    rows = []
    for f in cls.param_fields():
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
        rows.append((f.name, describe_type(hints[f.name]), plain(default), f.metadata.get("help", "")))
    return rows
