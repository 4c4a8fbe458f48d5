"""A suite's search, resolved: each objective's configurations as ready objective specs, and
the trials of both phases built from the suite's own trials.

:func:`build_plan` runs when the suite is loaded, so a bad ``[search]`` table is refused
before anything is written. Configurations of the fixed methods (random, Sobol, grid) are
all drawn then; the adaptive method's are proposed round by round while the search runs
(:mod:`ganbench.search.adaptive`), and turned into specs here with :meth:`SearchPlan.candidate`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ganbench.search.space import SearchSpec, apply, configurations, parse_search
from ganbench.trial import ObjectiveSpec, Trial


@dataclasses.dataclass(frozen=True)
class Candidate:
    """Configuration ``index`` of one objective: its searched values and its resolved spec."""

    index: int
    values: Mapping[str, Any]
    objective: ObjectiveSpec


@dataclasses.dataclass
class SearchPlan:
    spec: SearchSpec
    #: objective label -> its default spec (configuration 0) and its class
    defaults: dict[str, ObjectiveSpec]
    classes: dict[str, type]
    #: objective label -> its configurations, drawn when the suite loads (empty for "optuna")
    candidates: dict[str, list[Candidate]]

    @property
    def adaptive(self) -> bool:
        return self.spec.method == "optuna"

    def default_values(self, label: str) -> dict[str, Any]:
        """The objective's defaults of every key it could search (hyperparameters and options)."""
        spec = self.defaults[label]
        return {**spec.hyper.params(), **dict(spec.options)}

    def candidate(self, label: str, index: int, values: Mapping[str, Any]) -> Candidate:
        """Configuration ``index`` of objective ``label`` with ``values`` (validated)."""
        if index == 0:
            return Candidate(0, dict(values), self.defaults[label])
        where = f"search: objective '{label}', configuration {index}"
        return Candidate(index, dict(values), apply(self.defaults[label], self.classes[label], values, where))


def build_plan(
    table: Mapping[str, Any],
    objectives: Sequence[tuple[ObjectiveSpec, type, Mapping[str, Any]]],
    report_seeds: Sequence[int],
    outputs: Mapping[str, str],
    default_output: str,
) -> SearchPlan:
    """Validate ``[search]`` and draw every fixed-method configuration. ``objectives``: each
    objective's default spec, class and suite entry, in suite order."""
    spec = parse_search(
        table, [(o.label, cls, entry) for o, cls, entry in objectives], report_seeds, outputs, default_output
    )
    plan = SearchPlan(
        spec, {o.label: o for o, _, _ in objectives}, {o.label: cls for o, cls, _ in objectives}, candidates={}
    )
    for objective, _, _ in objectives:
        label = objective.label
        if plan.adaptive:
            plan.candidates[label] = []
            continue
        values = configurations(spec, label, plan.default_values(label))
        plan.candidates[label] = [plan.candidate(label, i, v) for i, v in enumerate(values)]
    return plan


def with_objective(template: Trial, objective: ObjectiveSpec, seeds: Sequence[int]) -> list[Trial]:
    """``template`` (a suite trial of one dataset and objective) with ``objective``, on each of ``seeds``."""
    return [dataclasses.replace(template, objective=objective, seed=seed) for seed in seeds]


def templates(trials: Sequence[Trial]) -> dict[tuple[str, str], Trial]:
    """One trial per (dataset label, objective label) of the suite, the first of its seeds."""
    out: dict[tuple[str, str], Trial] = {}
    for trial in trials:
        out.setdefault((trial.dataset.label, trial.objective.label), trial)
    return out
