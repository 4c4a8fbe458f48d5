"""Numeric options over their range: the values ``check_objective`` tries besides the defaults.

A suite may set any value an option's declaration allows (and a search may draw one), so
the kit tries each ``float`` or ``int`` option, one at a time with the others at their
defaults: at its bounds (just inside an exclusive one), at interior points between them,
and, on a side where it declares no bound, at probe values (0, ±0.1, ±1, ±10, ±100, the
nearest to the default first). A value
the objective's own ``validate`` refuses is skipped: that is a declared exception. A probe
at which the loss fails says "declare a bound", naming the option and the value.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from ganbench.components import Component

#: values tried on a side of an option's default where it declares no bound
PROBES = (-100.0, -10.0, -1.0, -0.1, 0.0, 0.1, 1.0, 10.0, 100.0)
#: interior points, as fractions of the declared range
INTERIOR = (0.25, 0.5, 0.75)
#: how far inside an exclusive bound: this fraction of the range (or of max(1, |bound|) without one)
JUST_INSIDE = 1e-3


@dataclasses.dataclass(frozen=True)
class Point:
    """One value of one option; ``declared`` is False for a probe beyond the declared bounds."""

    option: str
    value: float | int
    declared: bool

    @property
    def options(self) -> dict[str, Any]:
        return {self.option: self.value}

    def advice(self, default: Any) -> str:
        """How to declare the bound that would exclude this probe."""
        if self.value < default:
            bound = "min=0, exclusive_min=True" if self.value == 0 else "min=..."
            side = "below"
        else:
            bound, side = "max=...", "above"
        return (
            f"declare a bound: option '{self.option}' has no bound {side} its default {default!r} and the loss "
            f"fails at {self.option} = {self.value!r}; declare the range it works in, "
            f"{self.option}: ... = ganbench.param({default!r}, {bound}), or refuse the value in validate()"
        )


def numeric_fields(cls: type[Component]) -> list[tuple[dataclasses.Field[Any], type]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in cls.param_fields() if hints[f.name] in (int, float)]


def option_points(cls: type[Component]) -> list[Point]:
    """Every value tried, option by option, without the defaults themselves."""
    defaults = cls()
    points: list[Point] = []
    for field, tp in numeric_fields(cls):
        default = getattr(defaults, field.name)
        lo, hi = field.metadata.get("min"), field.metadata.get("max")
        exclusive = bool(field.metadata.get("exclusive_min"))
        values: list[tuple[float, bool]] = []
        width = (hi - lo) if lo is not None and hi is not None else None
        if lo is not None:
            inside = JUST_INSIDE * (width if width is not None else max(1.0, abs(lo)))
            values.append((lo + (1 if tp is int else inside) if exclusive else lo, True))
        if hi is not None:
            values.append((hi, True))
        if width is not None:
            values += [(lo + t * width, True) for t in INTERIOR]
        probes = [p for p in PROBES if (lo is None and p < default) or (hi is None and p > default)]
        values += [(p, False) for p in sorted(probes, key=lambda p: abs(p - default))]  # nearest first
        seen = {default}
        for value, declared in values:
            v = round(value) if tp is int else float(value)
            if v in seen:
                continue
            seen.add(v)
            points.append(Point(field.name, v, declared))
    return points
