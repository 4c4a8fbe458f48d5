"""The figures a report shows, which table each belongs in, and what each means.

* *headline*: the suite's metric outputs with a direction: ranked, tested and shown in the
  compact headline table;
* *secondary*: the other figures every trial reports (throughput, wall time, convergence)
  and metric outputs without a direction, in a second table;
* ``estimate``: each objective's critic estimates its own divergence, so the values are not
  comparable across objectives; they get a table of their own.

Units and meanings come from the metrics' ``Metric.output_docs`` as the suite recorded them in
``suite.json`` and, for the figures the harness adds, from :data:`HARNESS_DOCS`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ganbench.metrics.summary import ALL_MODES_STEP, STABILITY
from ganbench.report.console import ARROW, CONVERGENCE_OUTPUTS, HARNESS_OUTPUTS
from ganbench.results.reader import SuiteResults

ESTIMATE = "estimate"
#: the meaning of an output whose documentation the results do not record (written before
#: suite.json recorded it, and read without the plugins)
NOT_DOCUMENTED = "metric plugin not loaded: no description"

HARNESS_DOCS: dict[str, tuple[str, str]] = {
    "estimate": (
        "the objective's own",
        "the critic's variational estimate of its objective's own divergence (`ganbench list objectives`); "
        "each objective estimates a different divergence, so values are not comparable across objectives; "
        "with pack = m it is the divergence between packs of m samples (m times the per-sample KL)",
    ),
    "steps_per_s": ("generator steps/s", "generator steps per second of training, evaluation excluded"),
    "wall_time": ("s", "seconds the trial took, evaluation and checkpoints included (summed over resumes)"),
    ALL_MODES_STEP: (
        "generator steps",
        "first evaluated step at which every mode was captured; 'never' when no evaluation captured them all",
    ),
    STABILITY: (
        "unit of {distance}",
        "standard deviation of {distance} over the last {window} evaluations (lower is steadier)",
    ),
}


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    direction: str  # "max", "min" or ""
    unit: str = ""
    meaning: str = ""

    @property
    def header(self) -> str:
        return f"{self.name} {ARROW[self.direction]}".strip()

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "max"


def present(suite: SuiteResults) -> set[str]:
    return {k for t in suite.trials for s in ("metrics", "convergence") for k in t.final.get(s, {})}


def columns(suite: SuiteResults) -> dict[str, str]:
    """Every figure present in the results (metric outputs, then harness and convergence figures)."""
    here = present(suite)
    cols = {k: d for k, d in suite.outputs.items() if k not in suite.coverage_totals}
    cols.update(HARNESS_OUTPUTS)
    cols.update(CONVERGENCE_OUTPUTS)
    return {k: d for k, d in cols.items() if k in here}


def headline(suite: SuiteResults, only: Sequence[str] = ()) -> dict[str, str]:
    """The metrics that objectives are ranked and tested on: the suite's metric outputs with a direction."""
    cols = columns(suite)
    chosen = {
        k: d for k, d in suite.outputs.items() if d in ("max", "min") and k in cols and k not in suite.coverage_totals
    }
    if only:
        chosen = {k: d for k, d in chosen.items() if k in only}
    return chosen


def secondary(suite: SuiteResults, heads: Sequence[str]) -> dict[str, str]:
    """Every other figure of the results but the estimate, metric outputs first."""
    return {k: d for k, d in columns(suite).items() if k not in heads and k != ESTIMATE}


def describe(suite: SuiteResults, names: dict[str, str]) -> dict[str, Column]:
    """Each named column with its unit and meaning (the metrics' documentation as suite.json records it)."""
    conv: dict[str, Any] = next((t.config.get("convergence", {}) for t in suite.trials if t.config), {})
    fill = {"distance": conv.get("distance", "the convergence distance"), "window": conv.get("window", "the last")}
    out = {}
    for name, direction in names.items():
        if name in HARNESS_DOCS:
            unit, meaning = (s.format(**fill) for s in HARNESS_DOCS[name])
        else:
            unit, meaning = suite.output_docs.get(name, ("", NOT_DOCUMENTED))
        out[name] = Column(name, direction, unit, meaning)
    return out


def definitions(cols: dict[str, Column]) -> list[str]:
    """One line per column: 'hq_percent ↑ (%): samples within ...'."""
    return [f"{c.header}{f' ({c.unit})' if c.unit else ''}: {c.meaning}" for c in cols.values()]
