"""A search's configurations and trials, per dataset and objective, as the tuning section reads
them: the record (``search.json``) says which trials belong to which configuration and which
configuration was selected; every score and state is read again from the trials' own files.

A configuration's *state*: "failed" when any of its search-seed trials failed, else "diverged"
when any diverged, else "pending" when any has no final state yet, else "scored" (its score:
the mean over its search seeds of the selection output, at the final evaluation or the best
one of training, as the rule says). Pending configurations are left out of every statistic.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ganbench.results.reader import SuiteResults, TrialResult
from ganbench.search.selection import score_trials
from ganbench.text import value_text

#: the rule for configurations without a score in the expected-best curves (stated in the report)
FAILED_DRAW = (
    "a configuration that diverged or failed counts as a draw that scores the worst value any "
    "configuration of any objective reached on this dataset"
)


@dataclasses.dataclass
class Configuration:
    index: int  # 0 = the objective's defaults
    values: dict[str, Any]  # the searched keys' values
    trials: list[TrialResult]  # one per search seed
    state: str  # scored | diverged | failed | pending
    score: float  # NaN unless scored


@dataclasses.dataclass
class ObjectiveSearch:
    label: str
    configurations: list[Configuration]
    selected: int | None
    tuned: list[TrialResult]  # the selected configuration on the report seeds
    default: list[TrialResult]  # configuration 0 on the report seeds
    dimensions: list[dict[str, Any]]  # the record's space of this objective (Dimension.to_json())
    reason: str = ""  # the record's "selected_reason", e.g. "no configuration scored"

    @property
    def counted(self) -> list[Configuration]:
        """The configurations with an outcome (scored, diverged or failed)."""
        return [c for c in self.configurations if c.state != "pending"]

    def chosen(self) -> Configuration | None:
        return next((c for c in self.configurations if c.index == self.selected), None)

    def searched_keys(self) -> list[str]:
        """The searched keys that are not ties, in the record's order (else the values' order)."""
        keys = [str(d["key"]) for d in self.dimensions if isinstance(d, dict) and "key" in d and d.get("kind") != "tie"]
        if keys:
            return keys
        return list(dict.fromkeys(k for c in self.configurations for k in c.values))

    def scale(self, key: str) -> str:
        """ "log", "uniform" or "choice": the dimension's kind (from the values when unrecorded)."""
        kind = next((str(d.get("kind")) for d in self.dimensions if isinstance(d, dict) and d.get("key") == key), "")
        if kind in ("log", "uniform", "choice"):
            return kind
        values = [c.values.get(key) for c in self.configurations]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        return "uniform" if numeric else "choice"


@dataclasses.dataclass
class DatasetSearch:
    dataset: str
    output: str
    direction: str  # "min" | "max"
    at: str  # "final" | "best"
    tolerance: float
    budget: int
    objectives: list[ObjectiveSearch]

    def scored(self) -> np.ndarray:
        return np.array([c.score for o in self.objectives for c in o.configurations if c.state == "scored"])

    def best(self) -> float:
        """The best score of any objective's configuration on this dataset (NaN if none scored)."""
        s = self.scored()
        return float(s.max() if self.direction == "max" else s.min()) if s.size else math.nan

    def worst(self) -> float:
        s = self.scored()
        return float(s.min() if self.direction == "max" else s.max()) if s.size else math.nan

    def draws(self, o: ObjectiveSearch) -> np.ndarray:
        """The objective's counted configurations as draws (see :data:`FAILED_DRAW`); empty when
        no configuration on the dataset scored."""
        worst = self.worst()
        if not math.isfinite(worst):
            return np.array([])
        return np.array([c.score if c.state == "scored" else worst for c in o.counted])


def state_and_score(trials: Sequence[TrialResult], output: str, direction: str, at: str) -> tuple[str, float]:
    """A configuration's state and score (NaN unless scored), by the selection's own rule."""
    s = score_trials(trials, output, at, direction)
    return s.state, s.value if s.value is not None else math.nan


def dataset_search(suite: SuiteResults, dataset: str) -> DatasetSearch | None:
    """The search of ``dataset`` as recorded and as its trials say (None without one)."""
    record = suite.search
    if record is None or dataset not in record["datasets"]:
        return None
    rule = record["rule"]
    output, direction, at = str(rule["output"]), str(rule["direction"]), str(rule.get("at", "final"))
    spaces = rule.get("spaces", {})
    objectives = []
    entries = record["datasets"][dataset]
    order = {o: i for i, o in enumerate(suite.objectives)}  # the suite's order (search.json's keys are sorted)
    for label in sorted(entries, key=lambda o: (order.get(o, len(order)), list(entries).index(o))):
        entry = entries[label]
        configs = []
        for c in entry["configurations"]:
            trials = [suite.trial(tid) for tid in c["trials"]]
            state, score = state_and_score(trials, output, direction, at)
            configs.append(Configuration(int(c["index"]), dict(c.get("values", {})), trials, state, score))
        objectives.append(
            ObjectiveSearch(
                str(label),
                configs,
                entry.get("selected"),
                [suite.trial(tid) for tid in entry.get("tuned_trials", [])],
                [suite.trial(tid) for tid in entry.get("default_trials", [])],
                list(spaces.get(label, [])) if isinstance(spaces.get(label), list) else [],
                str(entry.get("selected_reason") or ""),
            )
        )
    return DatasetSearch(dataset, output, direction, at, float(rule["tolerance"]), int(rule["budget"]), objectives)


def complete(trials: Sequence[TrialResult]) -> list[TrialResult]:
    """The complete trials, in seed order."""
    return sorted((t for t in trials if t.status == "complete"), key=lambda t: (t.seed is None, t.seed or 0))


def values_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} {value_text(v)}" for k, v in values.items()) or "–"
