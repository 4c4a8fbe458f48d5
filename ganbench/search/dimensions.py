"""The values of a search: one :class:`Dimension` per searched key, and the validated
``[search]`` table that holds them (:class:`SearchSpec`).

A dimension maps a coordinate ``u`` in [0, 1) (a random number or a Sobol coordinate) to a
value of its key, so every method draws in the unit cube and the dimension alone decides the
scale: linear for "uniform", logarithmic for "log", one of k equal slices for "choice".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from ganbench.components import plain

#: the first search seed when ``[search] seeds`` is a count (seeds 1000, 1001, ...)
FIRST_SEARCH_SEED = 1000

Method = Literal["random", "sobol", "grid", "optuna"]
At = Literal["final", "best"]


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One searched key of one objective.

    ``kind``: "uniform" (linear scale, [low, high]), "log" (log scale, low > 0), "choice"
    (one of ``choices``), "tie" (equal to the value of dimension ``tie`` in every configuration).
    ``integer``: the key is an integer field. A uniform integer draw is equally likely to be
    each integer in [low, high]; a log integer draw is the floor of a log-uniform draw on
    [low, high + 1), so integer k has probability log((k + 1) / k) / log((high + 1) / low).
    ``points``: grid points for uniform/log dimensions under the grid method."""

    key: str
    kind: Literal["uniform", "log", "choice", "tie"]
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    tie: str | None = None
    integer: bool = False
    points: int = 3

    def _range(self) -> tuple[float, float]:
        if self.low is None or self.high is None:
            raise ValueError(f"dimension '{self.key}' ({self.kind}) has no range")
        return float(self.low), float(self.high)

    def from_unit(self, u: float) -> Any:
        """The value at ``u`` in [0, 1) (a random or Sobol coordinate)."""
        u = float(u)
        if self.kind == "choice":
            return self.choices[min(math.floor(u * len(self.choices)), len(self.choices) - 1)]
        if self.kind == "tie":
            raise ValueError(f"dimension '{self.key}' is tied to '{self.tie}'; it takes that key's value")
        low, high = self._range()
        if self.integer:
            top = high + 1.0  # integers in [low, high] are the floors of reals in [low, high + 1)
            if self.kind == "log":
                x = math.exp(math.log(low) + u * (math.log(top) - math.log(low)))
            else:
                x = low + u * (top - low)
            return int(min(max(math.floor(x), low), high))
        if self.kind == "log":
            return min(max(math.exp(math.log(low) + u * (math.log(high) - math.log(low))), low), high)
        return min(max(low + u * (high - low), low), high)

    def grid(self) -> list[Any]:
        """The grid points of this dimension (choices, or ``points`` values spaced on its scale)."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "tie":
            return []
        low, high = self._range()
        spaced = np.geomspace(low, high, self.points) if self.kind == "log" else np.linspace(low, high, self.points)
        values = (round(float(v)) if self.integer else float(v) for v in spaced)
        return list(dict.fromkeys(values))  # distinct, in order (integers round onto each other)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "kind": self.kind}
        if self.kind in ("uniform", "log"):
            data.update(low=self.low, high=self.high, integer=self.integer, points=self.points)
        elif self.kind == "choice":
            data["choices"] = [plain(c) for c in self.choices]
        else:
            data["tie"] = self.tie
        return data


@dataclasses.dataclass(frozen=True)
class SearchSpec:
    """A validated ``[search]`` table."""

    method: Method
    budget: int  # configurations per objective, configuration 0 (the defaults) included
    seed: int  # seeds the draws (random, Sobol scrambling, grid subset, Optuna's sampler)
    seeds: tuple[int, ...]  # search seeds; never overlapping the suite's (report) seeds
    output: str  # the metric output that selects
    direction: Literal["min", "max"]  # from the metric's declaration
    at: At  # "final" evaluation (default) or the "best" one over training
    tolerance: float  # robustness: within this relative distance of the best counts as working
    per_round: int  # optuna: configurations asked per round (trained together, then told)
    #: objective label -> its dimensions (suite-wide space merged with the objective's overrides,
    #: keys it does not have dropped), in a stable order with ties after their targets
    spaces: Mapping[str, tuple[Dimension, ...]]
    #: the suite's report seeds (phase 2), disjoint from ``seeds``
    report_seeds: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "budget": self.budget,
            "seed": self.seed,
            "seeds": list(self.seeds),
            "report_seeds": list(self.report_seeds),
            "output": self.output,
            "direction": self.direction,
            "at": self.at,
            "tolerance": self.tolerance,
            "per_round": self.per_round,
            "spaces": {label: [d.to_json() for d in dims] for label, dims in self.spaces.items()},
        }
