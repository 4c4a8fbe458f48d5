"""Ranks and rank tests of one suite: the score matrix per dataset and metric, the Friedman
tests (permutation p-values, Holm across the headline metrics of a dataset), the mean-rank
and overall ranking tables, and what the Nemenyi test can resolve at this number of seeds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ganbench.report.console import ARROW
from ganbench.report.fmt import NONE, fmt, fmt_p, safe_name
from ganbench.report.metric_tables import runs
from ganbench.report.rendering.document import Cell, Table
from ganbench.report.statistics.describe import holm
from ganbench.report.statistics.friedman import RankTest, rank_test, seeds_needed
from ganbench.results.reader import SuiteResults, TrialResult
from ganbench.status import FINAL
from ganbench.text import plural


def score_matrix(
    suite: SuiteResults, dataset: str, metric: str, direction: str
) -> tuple[np.ndarray, list[int], list[int]]:
    """Scores (seeds × objectives, higher is better) on the seeds where every objective has
    finished; a diverged or failed run, or a missing value, scores -inf (ranks last).
    Returns (scores, seeds used, seeds left out)."""
    objectives = suite.objectives
    used, dropped, rows = [], [], []
    for seed in suite.seeds(dataset):
        found: dict[str, TrialResult] = {
            t.objective: t for t in suite.trials if t.dataset == dataset and t.seed == seed and t.status in FINAL
        }
        if any(o not in found for o in objectives):
            dropped.append(seed)
            continue
        row = []
        for o in objectives:
            t = found[o]
            v = t.value(metric) if t.status == "complete" else math.nan
            v = v if math.isfinite(v) else -math.inf
            row.append(-v if direction == "min" and math.isfinite(v) else v)
        rows.append(row)
        used.append(seed)
    return np.array(rows, dtype=float).reshape(len(rows), len(objectives)), used, dropped


def rank_tests(suite: SuiteResults, dataset: str, metrics: Mapping[str, str], alpha: float) -> dict[str, RankTest]:
    """One Friedman test per headline metric; their p-values Holm-adjusted as one family."""
    out = {}
    for metric, direction in metrics.items():
        scores, _, _ = score_matrix(suite, dataset, metric, direction)
        out[metric] = rank_test(scores, suite.objectives, alpha)
    adjusted = holm([t.p_value if t.tested else math.nan for t in out.values()])
    for test, p in zip(out.values(), adjusted, strict=True):
        test.p_adjusted = float(p)
    return out


def verdict(test: RankTest, alpha: float) -> str:
    if not test.tested:
        return test.reason
    if test.all_tied:
        return "no difference: every seed ties every objective"
    if test.rejects:
        return f"objectives differ (p Holm < {alpha:g})"
    return f"no evidence of a difference (p Holm ≥ {alpha:g})"


def friedman_table(tests: Mapping[str, RankTest], metrics: Mapping[str, str], key: str, dataset: str) -> Table:
    rows = []
    for metric, test in tests.items():
        ok = test.tested
        rows.append(
            [
                Cell(f"{metric} {ARROW[metrics[metric]]}"),
                Cell(str(test.n_blocks)),
                Cell(fmt(test.statistic) if ok else NONE),
                Cell(fmt_p(test.p_value) if ok else NONE),
                Cell(fmt_p(test.p_chi2) if ok else NONE),
                Cell(fmt_p(test.p_adjusted) if ok else NONE),
                Cell(verdict(test, test.alpha)),
            ]
        )
    methods = sorted({t.p_method for t in tests.values() if t.tested})
    caption = (
        f"{dataset}: Friedman test across objectives, seeds as blocks. p: from the test's permutation "
        f"distribution ({', '.join(methods) or 'exact'}: each seed's ranks shuffled); p (χ²): the χ² "
        "approximation, for reference (poor at few seeds); p (Holm): p adjusted over this dataset's headline "
        "metrics, which the verdict reads."
    )
    headers = ["metric", "seeds", "χ²_F", "p", "p (χ²)", "p (Holm)", "verdict"]
    return Table(headers, rows, caption=caption, align="lrrrrrl", key=key)


def mean_rank_table(
    tests: Mapping[str, RankTest], metrics: Mapping[str, str], objectives: list[str], key: str, dataset: str
) -> Table | None:
    ranked = {m: t for m, t in tests.items() if t.n_blocks}
    if not ranked:
        return None
    rows = []
    for i, objective in enumerate(objectives):
        rows.append(
            [Cell(objective)] + [Cell(f"{t.mean_ranks[i]:.2f}", sort=float(t.mean_ranks[i])) for t in ranked.values()]
        )
    headers = ["objective"] + [f"{m} {ARROW[metrics[m]]}".strip() for m in ranked]
    caption = f"{dataset}: mean rank of each objective over the seeds (1 = best; a diverged or failed run ranks last)."
    return Table(headers, rows, caption=caption, align="l" + "r" * len(ranked), key=key)


def nemenyi_note(tests: Mapping[str, RankTest], alpha: float) -> str:
    """What the Nemenyi test can separate at this N, and how many seeds the observed gaps need."""
    tested = {m: t for m, t in tests.items() if t.tested and not t.all_tied}
    if not tested:
        return ""
    any_test = next(iter(tested.values()))
    k, n, cd = len(any_test.objectives), any_test.n_blocks, any_test.cd
    head = (
        f"With N = {n} seeds and k = {k} objectives the Nemenyi critical difference is {cd:.2f} mean ranks, "
        f"of a possible {k - 1} (an objective best on every seed against one worst on every seed): "
    )
    if cd >= k - 1:
        head += "the Nemenyi test cannot separate any pair at this N, whatever the data. "
    else:
        head += "only objectives almost always ranked far apart can be separated. "
    needs = []
    for metric, t in tested.items():
        gap = float(np.nanmax(t.mean_ranks) - np.nanmin(t.mean_ranks))
        need = seeds_needed(k, gap, alpha)
        if need is not None:
            needs.append(f"{metric} {need}" + (" (resolved)" if need <= n else ""))
    if needs:
        head += (
            "Seeds needed to separate the best from the worst mean rank if the observed gap held: "
            + ", ".join(needs)
            + "."
        )
    return head


def significant_pairs(tests: Mapping[str, RankTest]) -> list[str]:
    items = []
    for metric, t in tests.items():
        for a, b, p in t.significant_pairs():
            items.append(f"{metric}: {a} better than {b} (Nemenyi p {fmt_p(p)})")
    return items


def ranking_table(suite: SuiteResults, tests: Mapping[str, Mapping[str, RankTest]]) -> Table | None:
    """Average rank of each objective over every (dataset, headline metric) with ranked seeds."""
    objectives = suite.objectives
    per_dataset: dict[str, np.ndarray] = {}
    cells: list[np.ndarray] = []
    for dataset, by_metric in tests.items():
        ranks = [t.mean_ranks for t in by_metric.values() if t.n_blocks]
        if ranks:
            per_dataset[dataset] = np.mean(ranks, axis=0)
            cells += ranks
    if not cells:
        return None
    overall = np.mean(cells, axis=0)
    order = sorted(range(len(objectives)), key=lambda i: (overall[i], i))
    rows = []
    for place, i in enumerate(order, 1):
        trials = [t for t in suite.trials if t.objective == objectives[i]]
        row = [Cell(str(place)), Cell(objectives[i]), Cell(f"{overall[i]:.2f}", sort=float(overall[i]))]
        row += [Cell(f"{r[i]:.2f}", sort=float(r[i])) for r in per_dataset.values()]
        row.append(Cell(runs(trials)))
        rows.append(row)
    headers = ["place", "objective", "average rank ↓"] + [f"{d} ↓" for d in per_dataset] + ["runs"]
    return Table(
        headers,
        rows,
        caption=(
            f"Mean of per-seed ranks over {plural(len(per_dataset), 'dataset')} × headline metrics "
            f"({len(cells)} cells); 1 = best; a diverged or failed run ranks last in its seed. A descriptive "
            "summary: the tests are per dataset and metric."
        ),
        align="rl" + "r" * (len(headers) - 3) + "l",
        key=f"{safe_name(suite.name)}-ranking",
    )


def rank_records(suite: SuiteResults, tests: Mapping[str, Mapping[str, RankTest]]) -> list[dict[str, Any]]:
    rows = []
    for dataset, by_metric in tests.items():
        for metric, t in by_metric.items():
            base = {"suite": suite.name, "dataset": dataset, "metric": metric, "seeds": t.n_blocks}
            base |= {"chi2_f": t.statistic, "p": t.p_value, "p_method": t.p_method, "p_chi2": t.p_chi2}
            base |= {"p_holm": t.p_adjusted, "cd": t.cd, "rejects": t.rejects, "reason": t.reason}
            for i, objective in enumerate(t.objectives):
                rows.append({**base, "objective": objective, "mean_rank": float(t.mean_ranks[i])})
    return rows
