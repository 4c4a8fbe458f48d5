"""The tuning section of a dataset, for a suite that ran a search (``search.json``): the tuned
headline table (report seeds only) with each objective's selected configuration, the ranking at
the defaults against the ranking after tuning, the expected best against the budget, the
sensitivity to each searched hyperparameter, the robustness of each objective over its
configurations, and the share of report seeds that reach full coverage.

Every number comes from the trial files (:mod:`ganbench.report.tuning_data`); the
statistics are :mod:`ganbench.report.statistics.tuning`'s."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ganbench.report import columns
from ganbench.report.figures import tuning_plots
from ganbench.report.figures.drawing import Job
from ganbench.report.figures.plotting import palette
from ganbench.report.fmt import NONE, decimals, fixed, fmt, fmt_p
from ganbench.report.metric_tables import cell, runs, summarise
from ganbench.report.rendering.document import Block, Cell, Heading, Paragraph, Table
from ganbench.report.statistics import tuning as st
from ganbench.report.tuning_data import (
    FAILED_DRAW,
    DatasetSearch,
    ObjectiveSearch,
    complete,
    dataset_search,
    values_text,
)
from ganbench.results.reader import SuiteResults, TrialResult
from ganbench.search.selection import trial_value

ARROW = {"max": "↑", "min": "↓"}
Records = list[dict[str, Any]]
Data = dict[str, Records]


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else NONE


def _ordinal(r: float) -> str:
    if r != int(r):
        return f"tied {r:g}"
    n = int(r)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rule_text(s: DatasetSearch, record: dict[str, Any]) -> str:
    rule = record["rule"]
    seeds = ", ".join(map(str, rule.get("seeds", []))) or "?"
    report = ", ".join(map(str, rule.get("report_seeds", []))) or "?"
    at = "at the final evaluation" if s.at == "final" else "at its best evaluation over training"
    better = "higher" if s.direction == "max" else "lower"
    return (
        f"Every objective was searched with the same budget: {s.budget} configurations "
        f"({rule.get('method', '?')} method, configuration 0 = the objective's defaults), each trained on search "
        f"seeds {seeds}; the configuration with the best mean {s.output} ({better} is better, {at})"
        " over the search seeds was selected and retrained, with the defaults, on report seeds "
        f"{report}. The tables below read only the report seeds, except the expected best, sensitivity and "
        "robustness, which read the search."
    )


# ------------------------------------------------------------------ tuned headline


def tuned_table(suite: SuiteResults, s: DatasetSearch, key: str) -> Table:
    heads = [s.output] + [h for h in columns.headline(suite) if h != s.output]
    directions = {**suite.outputs, s.output: s.direction}
    cols = columns.describe(suite, {h: directions.get(h, "") for h in heads})
    summaries = {h: [summarise(o.tuned, h) for o in s.objectives] for h in heads}
    places = {h: decimals([x.mean for x in ss], [x.sd for x in ss]) for h, ss in summaries.items()}
    rows = []
    for i, o in enumerate(s.objectives):
        chosen = o.chosen()
        row = [
            Cell(o.label),
            Cell(values_text(chosen.values) if chosen else NONE),
            Cell("yes" if o.selected == 0 else "no" if chosen else NONE),
            Cell(runs(o.tuned)),
        ]
        rows.append(row + [cell(summaries[h][i], places[h]) for h in heads])
    return Table(
        ["objective", "selected configuration", "defaults", "runs"] + [cols[h].header for h in heads],
        rows,
        caption=(
            f"{s.dataset}, after tuning: each objective's selected configuration (its searched values; 'defaults' = "
            "the selection is the objective's own defaults) on the report seeds only, final evaluation, mean ± sd "
            f"over complete runs, per-seed values below; {s.output} is the selection output."
        ),
        align="llll" + "r" * len(heads),
        key=key,
    )


# ------------------------------------------------------------------ defaults vs tuned


def _means(trials: Sequence[TrialResult], s: DatasetSearch) -> float:
    values = [trial_value(t, s.output, s.at, s.direction) for t in complete(trials)]
    values = [v for v in values if math.isfinite(v)]
    return float(np.mean(values)) if values else math.nan


def ranking_sentence(labels: Sequence[str], before: np.ndarray, after: np.ndarray, tau: float, p: float) -> str:
    """One plain sentence: does the ranking survive tuning?"""
    if len(labels) < 2:
        return "With one objective there is no ranking to compare."
    if not math.isfinite(tau):
        return "Kendall's τ is undefined here: every objective ties in one of the two rankings."
    stat = f"τ = {tau:.2f}, p = {fmt_p(p)}"
    if np.array_equal(before, after):
        return f"The ranking survives tuning ({stat})."
    moves = sorted(range(len(labels)), key=lambda i: (-abs(after[i] - before[i]), i))
    moves = [i for i in moves if after[i] != before[i]]
    said = "; ".join(f"{labels[i]} moves from {_ordinal(before[i])} to {_ordinal(after[i])}" for i in moves)
    return f"Tuning changes the ranking ({stat}): {said}."


def defaults_table(s: DatasetSearch, key: str, rec: Records) -> tuple[Table, str]:
    before = [_means(o.default, s) for o in s.objectives]
    after = [_means(o.tuned, s) for o in s.objectives]
    rb, ra = st.ranks(before, s.direction), st.ranks(after, s.direction)
    tau, p = st.kendall(rb, ra)
    d = decimals(before + after)
    rows = [
        [Cell(o.label), Cell(fixed(before[i], d)), Cell(f"{rb[i]:g}"), Cell(fixed(after[i], d)), Cell(f"{ra[i]:g}")]
        for i, o in enumerate(s.objectives)
    ]
    for i, o in enumerate(s.objectives):
        rec.append(
            {"table": "defaults vs tuned", "objective": o.label, "output": s.output, "default_mean": before[i]}
            | {"default_rank": rb[i], "tuned_mean": after[i], "tuned_rank": ra[i], "kendall_tau": tau, "p": p}
        )
    at = "final evaluation" if s.at == "final" else "best evaluation of each run"
    table = Table(
        ["objective", f"defaults: {s.output}", "rank", f"tuned: {s.output}", "rank"],
        rows,
        caption=(
            f"{s.dataset}: each objective at its defaults and after tuning, on the report seeds: mean {s.output} "
            f"({at}) over complete runs and its rank among the objectives (1 = best, ties averaged, an objective "
            f"without a complete run ranks last). Kendall's τ compares the two rankings."
        ),
        align="lrrrr",
        key=key,
    )
    return table, ranking_sentence([o.label for o in s.objectives], rb, ra, tau, p)


# ------------------------------------------------------------------ expected best


def budget_points(budget: int) -> list[int]:
    return list(dict.fromkeys(n for n in (1, max(1, budget // 2), budget) if n >= 1))


def curves(s: DatasetSearch) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for o in s.objectives:
        draws = s.draws(o)
        if draws.size:
            out[o.label] = st.expected_best_curve(draws, s.direction)
    return out


def expected_table(s: DatasetSearch, found: dict[str, tuple[np.ndarray, np.ndarray]], key: str, rec: Records) -> Table:
    points = budget_points(s.budget)
    d = decimals(
        [float(m) for mean, _ in found.values() for m in mean], [float(x) for _, sd in found.values() for x in sd]
    )
    rows = []
    for o in s.objectives:
        row = [Cell(o.label), Cell(str(len(o.counted)))]
        mean, sd = found.get(o.label, (np.array([]), np.array([])))
        rec += [
            {"table": "expected best", "objective": o.label, "output": s.output, "n": n + 1, "mean": m, "sd": x}
            for n, (m, x) in enumerate(zip(mean.tolist(), sd.tolist(), strict=True))
        ]
        for n in points:
            row.append(Cell(f"{fixed(mean[n - 1], d)} ± {fixed(sd[n - 1], d)}" if n <= mean.size else NONE))
        rows.append(row)
    return Table(
        ["objective", "configurations"] + [f"n = {n}" for n in points],
        rows,
        caption=(
            f"{s.dataset}: expected best {s.output} ({ARROW[s.direction]}) of n configurations drawn without "
            f"replacement from those the search tried (mean ± sd of the best; Tang et al. 2020's unbiased form of "
            f"Dodge et al. 2019); {FAILED_DRAW}; configurations without an outcome yet are left out, and n beyond "
            "the configurations tried is '–'."
        ),
        align="lr" + "r" * len(points),
        key=key,
    )


# ------------------------------------------------------------------ robustness and success


def robustness_table(s: DatasetSearch, key: str, rec: Records) -> Table:
    best = s.best()
    rows = []
    for o in s.objectives:
        counted = o.counted
        bad = sum(c.state in ("diverged", "failed") for c in counted)
        near = int(st.within([c.score for c in counted], best, s.tolerance).sum()) if math.isfinite(best) else 0
        rows.append(
            [Cell(o.label), Cell(str(len(counted))), Cell(_share(bad, len(counted))), Cell(_share(near, len(counted)))]
        )
        rec.append(
            {"table": "robustness", "objective": o.label, "output": s.output, "configurations": len(counted)}
            | {"diverged_or_failed": bad, "within_tolerance": near, "tolerance": s.tolerance, "best": best}
        )
    return Table(
        ["objective", "configurations", "diverged or failed", f"within {s.tolerance:g} of the best"],
        rows,
        caption=(
            f"{s.dataset}: how often each objective works over its search (Lucic et al. 2018): the share of its "
            "configurations that diverged or failed on some search seed, and the share whose mean "
            f"{s.output} over the search seeds lies within a relative tolerance of {s.tolerance:g} of the best "
            f"mean any objective's configuration reached on this dataset ({fmt(best)}): |v − best| ≤ "
            f"{s.tolerance:g}·|best|."
        ),
        align="lrrr",
        key=key,
    )


def _full(t: TrialResult, covered: str, total: str) -> bool:
    c, n = t.value(covered), t.value(total)
    return t.status == "complete" and math.isfinite(c) and math.isfinite(n) and c >= n


def success_cells(
    trials: Sequence[TrialResult], covered: str, total: str, d: int | None, rec: dict[str, Any]
) -> list[Cell]:
    ended = [t for t in trials if t.status in ("complete", "diverged", "error")]
    k = sum(_full(t, covered, total) for t in ended)
    lo, hi = st.wilson(k, len(ended))
    rec |= {"covered": covered, "total": total, "successes": k, "n": len(ended), "wilson_low": lo, "wilson_high": hi}
    interval = f"[{lo:.2f}, {hi:.2f}]" if ended else NONE
    return [cell(summarise(trials, covered), d), Cell(_share(k, len(ended))), Cell(interval)]


def success_table(s: DatasetSearch, coverage: dict[str, str], key: str, rec: Records) -> Table:
    covered, total = coverage["covered"], coverage["total"]
    means = [summarise(ts, covered) for o in s.objectives for ts in (o.default, o.tuned)]
    d = decimals([x.mean for x in means], [x.sd for x in means])
    rows = []
    for o in s.objectives:
        sides = [{"table": "success", "objective": o.label, "trials": side} for side in ("defaults", "tuned")]
        cells = [success_cells(ts, covered, total, d, r) for ts, r in zip((o.default, o.tuned), sides, strict=True)]
        rows.append([Cell(o.label), *cells[0], *cells[1]])
        rec += sides
    head = ["mean " + covered, "full coverage", "95% Wilson"]
    return Table(
        ["objective"] + [f"defaults: {h}" for h in head] + [f"tuned: {h}" for h in head],
        rows,
        caption=(
            f"{s.dataset}: the share of report seeds whose final evaluation reaches full coverage ({covered} ≥ "
            f"{total}), at the defaults and after tuning, with its 95% Wilson score interval, beside the mean "
            f"{covered} ± sd over complete runs. A run that diverged or failed counts as not reaching it; runs "
            "without a final state are left out."
        ),
        align="l" + "r" * 6,
        key=key,
    )


# ------------------------------------------------------------------ the section


def _sensitivity_job(s: DatasetSearch, o: ObjectiveSearch, color: Any, slug: str) -> Job | None:
    keys = o.searched_keys()
    if not keys or not o.counted:
        return None
    counted = o.counted
    selected = next((i for i, c in enumerate(counted) if c.index == o.selected), None)
    return Job(
        f"{slug}-sensitivity-{o.label}",
        f"{s.dataset}, {o.label}: mean {s.output} over the search seeds of each configuration against each searched "
        "hyperparameter (log axis for log-scale ranges); red × on the top edge: diverged or failed; ringed: the "
        "selected configuration.",
        tuning_plots.sensitivity,
        (
            o.label,
            keys,
            [o.scale(k) for k in keys],
            [c.values for c in counted],
            [c.score for c in counted],
            [c.state in ("diverged", "failed") for c in counted],
            selected,
            s.output,
            s.direction,
            color,
        ),
    )


def blocks(
    suite: SuiteResults, dataset: str, level: int, slug: str, figures: bool = True, data: Data | None = None
) -> list[Block | Job]:
    """The tuning section of ``dataset`` (nothing when the suite ran no search); the numbers of its
    tables are appended to ``data["tuning"]``, one record per row (and per n of the expected best)."""
    s = dataset_search(suite, dataset)
    if s is None or suite.search is None:
        return []
    rec: Records = []
    out: list[Block | Job] = [
        Heading(f"{dataset}: tuning", level, anchor=f"{slug}-tuning"),
        Paragraph(_rule_text(s, suite.search)),
        tuned_table(suite, s, f"{slug}-tuned"),
    ]
    reasons = [f"{o.label}: {o.reason}" for o in s.objectives if o.reason and o.reason != "best score"]
    if reasons:
        out.append(Paragraph("Selected by default, not by score: " + "; ".join(reasons) + ".", warning=True))
    table, verdict = defaults_table(s, f"{slug}-defaults-vs-tuned", rec)
    out += [Heading(f"{dataset}: defaults vs tuned", level + 1, anchor=f"{slug}-defaults-vs-tuned"), table]
    out.append(Paragraph(verdict))
    found = curves(s)
    out.append(Heading(f"{dataset}: expected best vs budget", level + 1, anchor=f"{slug}-expected-best"))
    if not found:
        out.append(Paragraph("No configuration has a score yet: no expected best to show."))
    else:
        out.append(expected_table(s, found, f"{slug}-expected-best", rec))
    colors = palette([o.label for o in s.objectives])
    if figures and found:
        out.append(
            Job(
                f"{slug}-expected-best",
                f"{s.dataset}: expected best {s.output} after n configurations, per objective, ±1 sd band, "
                f"cut at the best configuration tried (without replacement; {FAILED_DRAW}).",
                tuning_plots.budget_curves,
                (found, colors, s.output, s.direction),
            )
        )
    out.append(Heading(f"{dataset}: robustness", level + 1, anchor=f"{slug}-robustness"))
    out.append(robustness_table(s, f"{slug}-robustness", rec))
    if figures:
        jobs = [_sensitivity_job(s, o, colors[o.label], slug) for o in s.objectives]
        if any(jobs):
            out.append(Heading(f"{dataset}: sensitivity", level + 1, anchor=f"{slug}-sensitivity"))
            out += [j for j in jobs if j is not None]
    out.append(Heading(f"{dataset}: success rate over seeds", level + 1, anchor=f"{slug}-success"))
    if suite.coverage:
        out += [
            success_table(s, c, f"{slug}-success-{i}" if i else f"{slug}-success", rec)
            for i, c in enumerate(suite.coverage)
        ]
    else:
        out.append(Paragraph("No metric of this suite declares a coverage figure: no success rate to show."))
    if data is not None:
        data.setdefault("tuning", []).extend({"suite": suite.name, "dataset": dataset} | r for r in rec)
    return out
