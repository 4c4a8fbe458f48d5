"""What the checks share: building the component, failing with a clear message, devices."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn, TypeVar

import torch

from ganbench import kinds
from ganbench.components import Component, build
from ganbench.contracts import Refused, check
from ganbench.listing import option_choices


def fail(what: str, message: str) -> NoReturn:
    """Raise the AssertionError every check raises: '<what>: <message>'."""
    raise AssertionError(f"{what}: {message}")


def registrable(kind: str, cls: type) -> None:
    """The checks registration makes (signatures, declarations), as an assertion."""
    try:
        check(kind, cls)
    except Refused as exc:
        fail(f"{kinds.get(kind).singular} {getattr(cls, 'name', cls)!r}", f"refused: {exc}")
    except Exception as exc:  # a ConfigError from an objective's hyper
        fail(f"{getattr(cls, 'name', cls)!r}", f"refused: {exc}")


C = TypeVar("C", bound=Component)


def instance(kind: str, cls: type[C] | C, params: Mapping[str, Any] | None) -> C:
    """The component to check: ``cls`` built from ``params`` (validated as a suite's would be),
    or ``cls`` itself when it is already an instance."""
    if isinstance(cls, Component):
        if params:
            raise TypeError("give parameters with a class, not with an instance")
        registrable(kind, type(cls))
        return cls
    base = kinds.get(kind).base_class()
    if not isinstance(cls, type) or not issubclass(cls, base):
        fail(repr(cls), f"expected a subclass of {base.__name__}")
    registrable(kind, cls)
    return build(cls, dict(params or {}), f"{cls.name}")


def option_variants(cls: type[Component]) -> list[dict[str, Any]]:
    """The default options, then one variant per other choice of each option with finitely
    many values (a Literal or a bool), so every code path an option selects is checked."""
    defaults = cls()
    variants: list[dict[str, Any]] = [{}]
    variants += [{name: v} for name, v in option_choices(cls) if v != getattr(defaults, name)]
    return variants


def describe(name: str, options: Mapping[str, Any]) -> str:
    """ "objective 'kl'" or "objective 'kl' with generator = \"saturating\""."""
    if not options:
        return name
    return f"{name} with " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in options.items())


def available_devices() -> list[str]:
    """The accelerators this machine has ('cuda', 'mps'), each compared against the CPU."""
    devices = []
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices
