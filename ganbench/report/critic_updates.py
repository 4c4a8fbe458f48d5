"""A compute-matched view: the headline metrics at an equal number of critic updates.

An objective with n_critic = 5 makes five critic updates per generator step, so at equal
generator steps it has had five times the critic's compute.  This table reads each
objective's history at the generator step where every objective has made the same number
of critic updates (step × n_critic), so "who wins" does not silently depend on it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import reduce
from typing import Any

import numpy as np

from ganbench.report.columns import Column
from ganbench.report.fmt import decimals, safe_name, sentence
from ganbench.report.metric_tables import cell, group, record
from ganbench.report.rendering.document import Cell, Table
from ganbench.report.statistics.describe import ALPHA, BEST_RULE, Summary, best_set
from ganbench.results.reader import SuiteResults, TrialResult


def n_critic(trials: list[TrialResult]) -> int | None:
    """The objective's critic updates per generator step, if its trials record one value."""
    values = {t.config.get("objective", {}).get("hyper", {}).get("n_critic") for t in trials if t.config}
    if len(values) != 1:
        return None
    value = next(iter(values))
    return int(value) if isinstance(value, int | float) and value >= 1 else None


def _steps(trials: list[TrialResult]) -> set[int]:
    """Generator steps evaluated in every complete trial."""
    sets = [{int(r["step"]) for r in t.history} for t in trials if t.status == "complete"]
    return reduce(set.intersection, sets) if sets else set()


def _closest(steps: set[int], n_critic: int, updates: int) -> int:
    """The evaluated step whose critic updates are closest to ``updates`` (the earlier on a tie)."""
    return min(steps, key=lambda s: (abs(s * n_critic - updates), s))


#: how far (relative) an objective's nearest evaluation may miss the budget when none matches exactly
TOLERANCE = 0.25


def plan(suite: SuiteResults, dataset: str) -> tuple[int, dict[str, int], bool] | str | None:
    """(critic-update budget, objective -> generator step read, whether every objective meets the
    budget exactly); a reason (str) when the evaluations are too sparse to match; None when
    n_critic is not recorded for some objective or every objective has the same one."""
    objectives = [o for o in suite.objectives if group(suite, dataset, o)]
    nc = {o: n_critic(group(suite, dataset, o)) for o in objectives}
    steps = {o: _steps(group(suite, dataset, o)) for o in objectives}
    if len(objectives) < 2 or any(v is None for v in nc.values()) or len(set(nc.values())) == 1:
        return None
    if any(not (s - {0}) for s in steps.values()):
        return None
    updates = {o: {s * (nc[o] or 1) for s in steps[o]} - {0} for o in objectives}
    common = reduce(set.intersection, updates.values())
    if common:
        target = max(common)
        return target, {o: target // (nc[o] or 1) for o in objectives}, True
    target = min(max(u) for u in updates.values())
    picks = {o: _closest(steps[o] - {0}, nc[o] or 1, target) for o in objectives}
    worst = max(abs(picks[o] * (nc[o] or 1) - target) / target for o in objectives)
    if worst > TOLERANCE:
        return (
            f"no evaluation of every objective lies within {TOLERANCE:.0%} of a common budget of critic updates "
            f"(the closest misses {target:,} by {worst:.0%}); evaluate more often (a smaller eval_every) to match"
        )
    return target, picks, False


def _at_step(trials: list[TrialResult], metric: str, step: int) -> Summary:
    ok = sorted((t for t in trials if t.status == "complete"), key=lambda t: t.seed or 0)
    pairs = []
    for t in ok:
        rec = next((r for r in t.history if int(r["step"]) == step), None)
        v = float(rec[metric]) if rec is not None and rec.get(metric) is not None else math.nan
        if math.isfinite(v):
            pairs.append((int(t.seed or 0), v))
    return Summary(np.array([v for _, v in pairs], dtype=float), [s for s, _ in pairs])


def table(
    suite: SuiteResults, dataset: str, cols: Mapping[str, Column], alpha: float = ALPHA
) -> tuple[Table, list[dict[str, Any]]] | str | None:
    """The table and its records; a reason (str) when no equal budget can be read; None when
    the objectives make equal critic updates per generator step (or do not record them)."""
    p = plan(suite, dataset)
    if p is None or not cols:
        return None
    if isinstance(p, str):
        return p
    updates, picks, exact = p
    objectives = list(picks)
    summaries = {c: [_at_step(group(suite, dataset, o), c, picks[o]) for o in objectives] for c in cols}
    places = {c: decimals([s.mean for s in ss], [s.sd for s in ss]) for c, ss in summaries.items()}
    bold = {c: best_set([s.values for s in summaries[c]], col.higher_is_better, alpha) for c, col in cols.items()}
    rows, records = [], []
    for i, o in enumerate(objectives):
        nc = n_critic(group(suite, dataset, o)) or 1
        row = [Cell(o), Cell(f"{picks[o]:,} × {nc}", detail=f"= {picks[o] * nc:,}")]
        for c, col in cols.items():
            s = summaries[c][i]
            row.append(cell(s, places[c], bold[c][i]))
            rec = record(suite, dataset, o, col, "equal-critic-budget", s, places[c], bold[c][i])
            records.append({**rec, "generator_step": picks[o], "critic_updates": picks[o] * nc})
        rows.append(row)
    how = (
        f"every objective at the generator step where it had made {updates:,} critic updates"
        if exact
        else f"each objective at its evaluation closest to {updates:,} critic updates (no evaluation matches "
        f"exactly; the actual updates are in the second column)"
    )
    caption = (
        f"{dataset}: headline metrics at an equal budget of critic updates: {how}, read from the histories; "
        "mean ± sd over complete runs, per-seed values below. " + sentence(BEST_RULE.format(alpha=alpha)) + "."
    )
    headers = ["objective", "step × n_critic"] + [c.header for c in cols.values()]
    key = f"{safe_name(suite.name)}-{safe_name(dataset)}-budget"
    return Table(headers, rows, caption=caption, align="lr" + "r" * len(cols), key=key), records
