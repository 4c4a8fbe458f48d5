"""The ``[search]`` table of a suite file: a space of dimensions, a method, a budget, a
selection rule and the search seeds; validated once, when the suite is loaded.

SKELETON (interfaces agreed between the helpers; the bodies are being written).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal

#: the first search seed when ``[search] seeds`` is a count (seeds 1000, 1001, ...)
FIRST_SEARCH_SEED = 1000

Method = Literal["random", "sobol", "grid", "optuna"]
At = Literal["final", "best"]


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One searched key of one objective.

    ``kind``: "uniform" (linear scale, [low, high]), "log" (log scale, low > 0), "choice"
    (one of ``choices``), "tie" (equal to the value of dimension ``tie`` in every configuration).
    ``integer``: the key is an integer field (uniform/log draws are rounded to integers in [low, high]).
    ``points``: grid points for uniform/log dimensions under the grid method."""

    key: str
    kind: Literal["uniform", "log", "choice", "tie"]
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    tie: str | None = None
    integer: bool = False
    points: int = 3

    def from_unit(self, u: float) -> Any:
        """The value at ``u`` in [0, 1) (a random or Sobol coordinate)."""
        raise NotImplementedError

    def grid(self) -> list[Any]:
        """The grid points of this dimension (choices, or ``points`` values spaced on its scale)."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


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

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


def parse_search(
    table: Mapping[str, Any],
    objectives: Sequence[tuple[str, type, Mapping[str, Any]]],
    report_seeds: Sequence[int],
    outputs: Mapping[str, str],
    default_output: str,
) -> SearchSpec:
    """Validate the ``[search]`` table. ``objectives``: (label, objective class, its [[objectives]]
    entry) in suite order; ``outputs``: metric output -> "min"/"max"/""; ``default_output``: the
    suite's convergence distance. Every problem is a ConfigError naming its key (e.g.
    ``search.space.lr_g``, ``search.objectives.hinge.n_critic``)."""
    raise NotImplementedError


def configurations(spec: SearchSpec, label: str, defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``spec.budget`` configurations of objective ``label`` (not for method "optuna"):
    configuration 0 is ``{key: defaults[key]}`` for every searched key; the others are drawn by
    the method, seeded by ``spec.seed`` and the label (so adding an objective changes no other's
    draws), ties resolved. The same spec gives the same list, always."""
    raise NotImplementedError


def apply(objective: Any, cls: type, config: Mapping[str, Any], where: str) -> Any:
    """``objective`` (an :class:`~ganbench.trial.ObjectiveSpec`) with ``config``'s values set:
    hyperparameter keys into its ``hyper``, option keys into its ``options``, each validated
    (types, bounds, the class's ``validate``) as a suite file's value would be."""
    raise NotImplementedError
