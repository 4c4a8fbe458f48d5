"""The end-of-run console table: per dataset, objectives × metrics, mean ± std over seeds.

It renders the same frame as ``summary.csv`` (:meth:`ganbench.results.SuiteResults.frame`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set

import pandas as pd
from tabulate import tabulate

from ganbench.metrics.summary import ALL_MODES_STEP, STABILITY
from ganbench.report import throughput
from ganbench.results import SuiteResults
from ganbench.results.reader import TrialResult
from ganbench.status import Status

ARROW = {"max": "↑", "min": "↓", "": ""}

#: figures every trial reports besides its metrics' outputs, with their directions
HARNESS_OUTPUTS = {"estimate": "", "steps_per_s": "max", "wall_time": "min"}
CONVERGENCE_OUTPUTS = {ALL_MODES_STEP: "min", STABILITY: "min"}


#: the estimate's cell for an objective that estimates no divergence, and the note under its table
NO_ESTIMATE = "—"
NO_ESTIMATE_NOTE = (
    "— : the objective estimates no divergence (it declares divergence = None), so its critic has no estimate"
)


def estimates_nothing(trials: Sequence[TrialResult]) -> bool:
    """Whether the objective of ``trials`` estimates no divergence: it has complete trials and none
    records an estimate (the harness records one at every evaluation of an objective that has one)."""
    ok = [t for t in trials if t.status == Status.COMPLETE]
    return bool(ok) and not any("estimate" in t.final.get("metrics", {}) for t in ok)


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.2e}"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def mean_std(values: pd.Series) -> str:
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "–"
    if len(values) == 1:
        return _fmt(float(values.iloc[0]))
    return f"{_fmt(float(values.mean()))} ± {_fmt(float(values.std(ddof=1)))}"


def _runs(group: pd.DataFrame) -> str:
    counts = group["status"].value_counts()
    parts = [f"{counts.get(Status.COMPLETE, 0)} ok"]
    parts += [f"{counts[s]} {s}" for s in (Status.DIVERGED, Status.ERROR) if counts.get(s, 0)]
    return ", ".join(parts)


def _first_step(group: pd.DataFrame) -> str:
    steps = group[ALL_MODES_STEP]
    reached = pd.to_numeric(steps, errors="coerce").dropna()
    never = len(steps) - len(reached)
    if reached.empty:
        return "never"
    text = mean_std(reached)
    return f"{text} ({never} never)" if never else text


def columns(outputs: Mapping[str, str], frame: pd.DataFrame, hidden: Set[str] = frozenset()) -> dict[str, str]:
    """Ordered column -> direction for the metrics present in ``frame``, but ``hidden`` ones
    (coverage totals, which only say out of how many a coverage count is)."""
    cols = {k: d for k, d in outputs.items() if k not in hidden}
    cols.update(HARNESS_OUTPUTS)
    cols.update(CONVERGENCE_OUTPUTS)
    return {k: d for k, d in cols.items() if k in frame.columns}


def console_tables(results: SuiteResults, fmt: str = "github") -> dict[str, str]:
    """One table per dataset of ``results``.  Only complete trials enter the means; the
    'runs' column counts every trial with a final state, so diverged and failed ones are
    never hidden."""
    cells = {**_apart(results), **_no_estimate(results)}
    tables = dataset_tables(results.frame(), results.outputs, results.coverage_totals, fmt, cells)
    for dataset in {d for d, _, _ in _no_estimate(results)} & set(tables):
        tables[dataset] += "\n" + NO_ESTIMATE_NOTE
    return tables


def _no_estimate(results: SuiteResults) -> dict[tuple[str, str, str], str]:
    """(dataset, objective, 'estimate') -> "—" where the objective estimates no divergence."""
    return {
        (dataset, objective, "estimate"): NO_ESTIMATE
        for dataset in results.datasets
        for objective in results.objectives
        if estimates_nothing([t for t in results.trials if t.dataset == dataset and t.objective == objective])
    }


def _apart(results: SuiteResults) -> dict[tuple[str, str, str], str]:
    """(dataset, objective, throughput figure) -> its cell, each grouping apart, where the complete
    trials of an objective were trained in different groupings (:mod:`ganbench.report.throughput`)."""
    cells = {}
    for dataset in results.datasets:
        for objective in results.objectives:
            trials = [t for t in results.trials if t.dataset == dataset and t.objective == objective]
            parts = throughput.by_grouping(trials)
            for col in throughput.TIMING if len(parts) > 1 else ():
                cells[(dataset, objective, col)] = "; ".join(
                    f"{mean_std(pd.Series([t.value(col) for t in ts]))} ({label})" for label, ts in parts.items()
                )
    return cells


def dataset_tables(
    frame: pd.DataFrame,
    outputs: Mapping[str, str],
    hidden: Set[str] = frozenset(),
    fmt: str = "github",
    cells: Mapping[tuple[str, str, str], str] | None = None,
) -> dict[str, str]:
    """One table per dataset of a summary frame (see :func:`console_tables`); ``cells`` replace
    the cells they name (dataset, objective, column)."""
    cells = cells or {}
    tables: dict[str, str] = {}
    if frame.empty:
        return tables
    cols = columns(outputs, frame, hidden)
    for dataset, sub in frame.groupby("dataset", sort=False):
        rows = []
        for objective, group in sub.groupby("objective", sort=False):
            ok = group[group["status"] == Status.COMPLETE]
            row = {"objective": objective, "runs": _runs(group)}
            for col in cols:
                row[col] = cells.get((str(dataset), str(objective), col)) or (
                    _first_step(ok)
                    if col == ALL_MODES_STEP and not ok.empty
                    else mean_std(ok.get(col, pd.Series(dtype=float)))
                )
            rows.append(row)
        headers = ["objective", "runs"] + [f"{c} {ARROW[d]}".strip() for c, d in cols.items()]
        tables[str(dataset)] = tabulate(
            [list(r.values()) for r in rows], headers=headers, tablefmt=fmt, disable_numparse=True
        )
    return tables
