"""The per-dataset tables of metric values: the compact headline table, the secondary figures, the
critics' own estimates.  Each cell is mean ± sd over complete runs with the per-seed values
below it; decimals are fixed per column; bold follows :data:`ganbench.report.statistics.describe.BEST_RULE`.

Every table also returns its numbers as records (one per objective and figure) for the
exported data, so the export and the table come from the same computation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ganbench.metrics.summary import ALL_MODES_STEP
from ganbench.report import throughput
from ganbench.report.columns import ESTIMATE, Column
from ganbench.report.console import NO_ESTIMATE, NO_ESTIMATE_NOTE, estimates_nothing
from ganbench.report.fmt import NONE, decimals, fixed, per_seed, safe_name, sentence
from ganbench.report.rendering.document import Cell, Table
from ganbench.report.statistics.describe import ALPHA, BEST_RULE, INTERVAL, Summary, best_set
from ganbench.report.throughput import TIMING
from ganbench.results.reader import SuiteResults, TrialResult

STATUS_WORDS = {
    "complete": "ok",
    "diverged": "diverged",
    "error": "failed",
    "unfinished": "unfinished",
    "missing": "missing",
}
#: a figure that is a first time something happened: 'never' is a value, not a missing one
FIRST_STEP = ALL_MODES_STEP


def runs(trials: Sequence[TrialResult]) -> str:
    """'3 ok', '2 ok, 1 diverged', '0 ok, 1 failed, 2 missing': every trial counted."""
    parts = [f"{sum(t.status == 'complete' for t in trials)} ok"]
    for status in ("diverged", "error", "unfinished", "missing"):
        n = sum(t.status == status for t in trials)
        if n:
            parts.append(f"{n} {STATUS_WORDS[status]}")
    return ", ".join(parts)


def group(suite: SuiteResults, dataset: str, objective: str) -> list[TrialResult]:
    return [t for t in suite.trials if t.dataset == dataset and t.objective == objective]


def summarise(trials: Sequence[TrialResult], column: str) -> Summary:
    """The figure's finite values over the complete runs, in seed order."""
    ok = sorted((t for t in trials if t.status == "complete"), key=lambda t: (t.seed is None, t.seed or 0))
    if column == FIRST_STEP:
        raw = [(t.seed, t.final.get("convergence", {}).get(column)) for t in ok]
        reached = [(s, float(v)) for s, v in raw if v is not None]
        return Summary(np.array([v for _, v in reached]), [int(s or 0) for s, _ in reached], len(raw) - len(reached))
    pairs = [(t.seed, t.value(column)) for t in ok]
    pairs = [(s, v) for s, v in pairs if math.isfinite(v)]
    return Summary(np.array([v for _, v in pairs], dtype=float), [int(s or 0) for s, _ in pairs])


def cell(s: Summary, d: int | None, best: bool = False) -> Cell:
    if s.n == 0:
        return Cell("never" if s.never else NONE)
    text = fixed(s.mean, d) if s.n == 1 else f"{fixed(s.mean, d)} ± {fixed(s.sd, d)}"
    detail = per_seed(s.values.tolist(), d) if s.n > 1 else ""
    if s.never:
        detail = f"{detail}; {s.never} never" if detail else f"{s.never} never"
    return Cell(text, best=best, detail=detail, sort=s.mean)


def record(
    suite: SuiteResults, dataset: str, objective: str, col: Column, role: str, s: Summary, d: int | None, best: bool
) -> dict[str, Any]:
    lo, hi = s.interval
    return {
        "suite": suite.name,
        "dataset": dataset,
        "objective": objective,
        "column": col.name,
        "role": role,
        "direction": col.direction,
        "unit": col.unit,
        "n": s.n,
        "mean": s.mean,
        "sd": s.sd,
        "ci_low": lo,
        "ci_high": hi,
        "interval": INTERVAL,
        "never": s.never,
        "seeds": s.seeds,
        "values": s.values.tolist(),
        "decimals": d,
        "bold": best,
    }


def metric_table(
    suite: SuiteResults,
    dataset: str,
    cols: Mapping[str, Column],
    role: str,
    caption: str,
    alpha: float = ALPHA,
    with_runs: bool = True,
) -> tuple[Table, list[dict[str, Any]]]:
    """Objectives × ``cols``: mean ± sd with per-seed values; bold by the best-set rule."""
    objectives = [o for o in suite.objectives if group(suite, dataset, o)]
    summaries = {c: [summarise(group(suite, dataset, o), c) for o in objectives] for c in cols}
    places = {c: decimals([s.mean for s in ss], [s.sd for s in ss]) for c, ss in summaries.items()}
    # throughput: each objective's trials by how they were grouped in training (like with like)
    splits = {
        c: [
            {g: summarise(ts, c) for g, ts in throughput.by_grouping(group(suite, dataset, o)).items()}
            for o in objectives
        ]
        for c in cols
        if c in TIMING
    }
    bold: dict[str, list[bool]] = {}
    for c, col in cols.items():
        ss = summaries[c]
        testable = col.direction in ("max", "min") and not any(s.never for s in ss)
        testable = testable and len({g for parts in splits.get(c, []) for g in parts}) <= 1  # one grouping
        bold[c] = best_set([s.values for s in ss], col.higher_is_better, alpha) if testable else [False] * len(ss)
    rows, records = [], []
    for i, objective in enumerate(objectives):
        row = [Cell(objective)] + ([Cell(runs(group(suite, dataset, objective)))] if with_runs else [])
        for c, col in cols.items():
            s, d, best = summaries[c][i], places[c], bold[c][i]
            if c not in splits:
                row.append(cell(s, d, best))
                records.append(record(suite, dataset, objective, col, role, s, d, best))
                continue
            parts = splits[c][i]
            row.append(throughput.cell(parts, d, best, cell(s, d, best)))
            apart = parts if len(parts) > 1 else {next(iter(parts), ""): s}
            records += [
                {**record(suite, dataset, objective, col, role, p, d, best), "grouping": g} for g, p in apart.items()
            ]
        rows.append(row)
    headers = ["objective"] + (["runs"] if with_runs else []) + [c.header for c in cols.values()]
    align = ("ll" if with_runs else "l") + "r" * len(cols)
    key = f"{safe_name(suite.name)}-{safe_name(dataset)}-{role}"
    return Table(headers, rows, caption=caption, align=align, key=key), records


def headline_caption(dataset: str, seeds: Sequence[int], alpha: float) -> str:
    return (
        f"{dataset}: headline metrics, mean ± sd over complete runs; below each, the value of every "
        f"complete seed in seed order (seeds {', '.join(map(str, seeds))}). "
        + sentence(BEST_RULE.format(alpha=alpha))
        + "."
    )


def secondary_caption(dataset: str, alpha: float) -> str:
    return (
        f"{dataset}: throughput and convergence figures, mean ± sd over complete runs, per-seed values below; "
        "beside the throughput, how its trials were trained (alone, or in groups of trials as one vectorised "
        "program), each grouping apart where they differ. "
        + sentence(BEST_RULE.format(alpha=alpha))
        + " (not applied to a column with 'never' values, nor to throughput trained in different groupings)."
    )


def estimate_table(suite: SuiteResults, dataset: str, col: Column) -> tuple[Table, list[dict[str, Any]]] | None:
    """Each objective's critic estimate of its own divergence: a table of its own, no bold."""
    objectives = [o for o in suite.objectives if group(suite, dataset, o)]
    summaries = [summarise(group(suite, dataset, o), ESTIMATE) for o in objectives]
    if not any(s.n for s in summaries):
        return None
    rows, records, none = [], [], False
    for objective, s in zip(objectives, summaries, strict=True):
        if estimates_nothing(group(suite, dataset, objective)):
            rows.append([Cell(objective), Cell(NO_ESTIMATE), Cell(NO_ESTIMATE)])
            none = True
            continue
        d = decimals([s.mean], [s.sd])  # rows are different quantities: decimals per row
        rows.append([Cell(objective), Cell(_divergence(suite, objective)), cell(s, d)])
        records.append(record(suite, dataset, objective, col, "estimate", s, d, False))
    caption = (
        f"{dataset}: each critic's estimate of its own objective's divergence at the end of training, mean ± sd "
        "over complete runs. Each row estimates a different quantity (see `ganbench list objectives`): compare "
        "runs of one objective, never rows with each other."
    ) + (f" {NO_ESTIMATE_NOTE}." if none else "")
    key = f"{safe_name(suite.name)}-{safe_name(dataset)}-estimate"
    return Table(["objective", "divergence", "estimate"], rows, caption=caption, align="llr", key=key), records


def _divergence(suite: SuiteResults, objective: str) -> str:
    name = next((t.config["objective"]["name"] for t in suite.trials if t.objective == objective and t.config), None)
    return suite.divergences.get(str(name), NONE)
