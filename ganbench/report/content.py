"""What a report says: tables, statistics and figures for each suite, as a :class:`Document`.

Every number of the report is computed and formatted here, once."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ganbench import __version__
from ganbench.plugins import Registry
from ganbench.report import divergences, plots
from ganbench.report.console import ARROW, CONVERGENCE_OUTPUTS, HARNESS_OUTPUTS, _fmt
from ganbench.report.document import Bullets, Cell, Document, Figure, Heading, Paragraph, Table
from ganbench.report.load import FINAL, SuiteResults, Trial
from ganbench.report.stats import ALPHA, RankTest, bootstrap_ci, rank_test

STATUS_WORDS = {
    "complete": "ok",
    "diverged": "diverged",
    "error": "failed",
    "unfinished": "unfinished",
    "missing": "missing",
}
NONE = "–"


def fmt(x: float) -> str:
    return _fmt(float(x)) if x is not None and math.isfinite(x) else NONE


def fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return NONE
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def runs(trials: Sequence[Trial]) -> str:
    """'3 ok', '2 ok, 1 diverged', '0 ok, 1 failed, 2 missing': every trial counted."""
    parts = [f"{sum(t.status == 'complete' for t in trials)} ok"]
    for status in ("diverged", "error", "unfinished", "missing"):
        n = sum(t.status == status for t in trials)
        if n:
            parts.append(f"{n} {STATUS_WORDS[status]}")
    return ", ".join(parts)


def columns(suite: SuiteResults) -> dict[str, str]:
    """Table columns (metric outputs, then harness and convergence figures) present in the results."""
    present = {k for t in suite.trials for s in ("metrics", "convergence") for k in t.final.get(s, {})}
    cols = {k: d for k, d in suite.outputs.items() if k not in suite.coverage_totals}
    cols.update(HARNESS_OUTPUTS)
    cols.update(CONVERGENCE_OUTPUTS)
    return {k: d for k, d in cols.items() if k in present}


def headline(suite: SuiteResults, only: Sequence[str] = ()) -> dict[str, str]:
    """The metrics that objectives are ranked and tested on: the suite's metric outputs with a direction."""
    cols = columns(suite)
    chosen = {
        k: d for k, d in suite.outputs.items() if d in ("max", "min") and k in cols and k not in suite.coverage_totals
    }
    if only:
        chosen = {k: d for k, d in chosen.items() if k in only}
    return chosen


def _cell(trials: Sequence[Trial], column: str) -> tuple[str, float]:
    """'mean [low, high]' over complete trials, and the value that decides 'best'."""
    ok = [t for t in trials if t.status == "complete"]
    if column == "all_modes_step":
        raw = [t.final.get("convergence", {}).get(column) for t in ok]
        reached = np.array([float(v) for v in raw if v is not None])
        never = len(raw) - reached.size
        if not raw:
            return NONE, math.nan
        if reached.size == 0:
            return "never", math.inf
        text = _mean_ci(reached)
        return (f"{text} ({never} never)", math.inf) if never else (text, float(reached.mean()))
    values = np.array([t.value(column) for t in ok])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return NONE, math.nan
    return _mean_ci(values), float(values.mean())


def _mean_ci(values: np.ndarray) -> str:
    if values.size == 1:
        return fmt(float(values[0]))
    lo, hi = bootstrap_ci(values)
    return f"{fmt(float(values.mean()))} [{fmt(lo)}, {fmt(hi)}]"


def _group(suite: SuiteResults, dataset: str, objective: str) -> list[Trial]:
    return [t for t in suite.trials if t.dataset == dataset and t.objective == objective]


def results_table(suite: SuiteResults, dataset: str) -> Table:
    cols = columns(suite)
    objectives = [o for o in suite.objectives if _group(suite, dataset, o)]
    texts: dict[str, list[str]] = {}
    keys: dict[str, list[float]] = {}
    for col in cols:
        pairs = [_cell(_group(suite, dataset, o), col) for o in objectives]
        texts[col] = [p[0] for p in pairs]
        keys[col] = [p[1] for p in pairs]
    rows = []
    for i, objective in enumerate(objectives):
        row = [Cell(objective), Cell(runs(_group(suite, dataset, objective)))]
        for col, direction in cols.items():
            vals = [v for v in keys[col] if math.isfinite(v)]
            best = (
                bool(vals)
                and direction in ("max", "min")
                and keys[col][i] == (max if direction == "max" else min)(vals)
            )
            row.append(Cell(texts[col][i], best=best and len(objectives) > 1))
        rows.append(row)
    headers = ["objective", "runs"] + [f"{c} {ARROW[d]}".strip() for c, d in cols.items()]
    return Table(
        headers,
        rows,
        caption=f"{dataset}: mean over complete runs [95% bootstrap CI over seeds]; bold = best per column.",
    )


def score_matrix(
    suite: SuiteResults, dataset: str, metric: str, direction: str
) -> tuple[np.ndarray, list[int], list[int]]:
    """Scores (seeds × objectives, higher is better) on the seeds where every objective has
    finished; a diverged or failed run, or a missing value, scores -inf (ranks last).
    Returns (scores, seeds used, seeds left out)."""
    objectives = suite.objectives
    used, dropped, rows = [], [], []
    for seed in suite.seeds(dataset):
        found: dict[str, Trial] = {
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
    out = {}
    for metric, direction in metrics.items():
        scores, _, _ = score_matrix(suite, dataset, metric, direction)
        out[metric] = rank_test(scores, suite.objectives, alpha)
    return out


def stats_table(tests: Mapping[str, RankTest], metrics: Mapping[str, str], dataset: str, alpha: float) -> Table:
    rows = []
    for metric, test in tests.items():
        ranked = (
            ", ".join(f"{test.objectives[i]} {test.mean_ranks[i]:.2f}" for i in test.order()) if test.n_blocks else NONE
        )
        if not test.tested:
            verdict, pairs = test.reason, NONE
        elif test.all_tied:
            verdict, pairs = "no difference: every seed ties every objective", "none"
        elif test.rejects:
            verdict = f"objectives differ (p < {alpha:g})"
            sig = test.significant_pairs()
            pairs = "; ".join(f"{a} > {b} (p {fmt_p(p)})" for a, b, p in sig) if sig else "none at this N"
        else:
            verdict, pairs = f"no evidence of a difference (p ≥ {alpha:g})", "none"
        rows.append(
            [
                Cell(f"{metric} {ARROW[metrics[metric]]}"),
                Cell(str(test.n_blocks)),
                Cell(fmt(test.statistic) if test.tested else NONE),
                Cell(fmt_p(test.p_value) if test.tested else NONE),
                Cell(fmt(test.cd) if test.tested else NONE),
                Cell(ranked),
                Cell(verdict),
                Cell(pairs),
            ]
        )
    headers = ["metric", "seeds", "Friedman χ²", "p", "CD", "mean rank (1 = best)", "verdict", "Nemenyi pairs"]
    return Table(
        headers,
        rows,
        caption=f"{dataset}: Friedman test across objectives with seeds as blocks; Nemenyi post-hoc at α = {alpha:g}.",
        align="lrrrrlll",
    )


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
        row = [Cell(str(place)), Cell(objectives[i]), Cell(f"{overall[i]:.2f}", best=place == 1)]
        row += [Cell(f"{r[i]:.2f}", best=r[i] == r.min()) for r in per_dataset.values()]
        row.append(Cell(runs(trials)))
        rows.append(row)
    headers = ["place", "objective", "average rank ↓"] + [f"{d} ↓" for d in per_dataset] + ["runs"]
    return Table(
        headers,
        rows,
        caption=(
            f"Mean of per-seed ranks over {len(per_dataset)} dataset(s) × headline metrics ({len(cells)} cells); "
            "1 = best; a diverged or failed run ranks last in its seed."
        ),
        align="rl" + "r" * (len(headers) - 3) + "l",
    )


def missing_items(suite: SuiteResults) -> list[str]:
    items = []
    for t in suite.trials:
        where = f"{t.id} ({t.dataset}/{t.objective}/seed {t.seed})"
        if t.status == "diverged":
            last = t.final.get("last_good_step")
            items.append(
                f"{where}: diverged — {t.message or 'non-finite values'}; its last good evaluation"
                f"{f' (step {last})' if last is not None else ''} is not in the means, and it ranks last"
            )
        elif t.status == "error":
            items.append(f"{where}: failed — {t.message or 'see error.txt'}; no metrics, it ranks last")
        elif t.status == "unfinished":
            steps = t.config.get("train", {}).get("steps")
            done = t.history[-1]["step"] if t.history else None
            progress = f"last evaluation at step {done} of {steps}" if done is not None else "no evaluation yet"
            items.append(f"{where}: unfinished (running or interrupted): {progress}; left out")
        elif t.status == "missing":
            items.append(f"{t.id}: missing — listed in suite.json but not started; left out")
    return items


def real_samples(
    config: Mapping[str, Any], registry: Registry | None, n: int = plots.DENSITY_SAMPLES
) -> np.ndarray | None:
    """Fresh samples of a trial's dataset from its plugin, or None if the plugin is not available."""
    if registry is None or not config:
        return None
    try:
        import torch

        from ganbench.components import build

        dataset = build(registry.get("datasets", config["name"]), config.get("params", {}), "dataset")
        return dataset.sample(n, generator=torch.Generator().manual_seed(0)).float().numpy()
    except Exception:
        return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def _describe_dataset(config: Mapping[str, Any]) -> str:
    params = config.get("params", {})
    bits = ", ".join(f"{k} = {v}" for k, v in params.items())
    name = config.get("name", "")
    return f"{name} ({bits})" if bits else str(name)


def suite_blocks(
    doc: Document,
    suite: SuiteResults,
    registry: Registry | None,
    level: int = 2,
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    figures: bool = True,
) -> None:
    """Append one suite's report to ``doc``; headings start at ``level``."""
    counts = suite.counts()
    prefix = _slug(suite.name)
    total = len(suite.trials)
    seeds = suite.seeds()
    summary = (
        f"Suite '{suite.name}'{f' — {suite.description}' if suite.description else ''}. Results: {suite.path}"
        f"{f'; suite file: {suite.source}' if suite.source else ''}. {total} trials "
        f"({len(suite.datasets)} datasets × {len(suite.objectives)} objectives × {len(seeds)} seeds): "
        + ", ".join(f"{counts[s]} {STATUS_WORDS[s]}" for s in counts if counts[s] or s == "complete")
        + "."
    )
    doc.add(Paragraph(summary))
    heads = headline(suite, metrics)
    doc.add(
        Paragraph(
            "Tables: mean over complete runs, with a 95% percentile-bootstrap interval of the mean over seeds in "
            "brackets (scipy.stats.bootstrap, 9,999 resamples; with few seeds it lies within the observed range); "
            "bold marks the best mean of each column; ↑ higher is better, ↓ lower is better; 'runs' counts every "
            "trial by outcome. Statistics on the headline metrics ("
            + (", ".join(heads) or "none")
            + "): within each seed the objectives are ranked (1 = best; a diverged or failed run ranks last), "
            "a Friedman test asks whether any objective differs (seeds as blocks), and the Nemenyi test compares "
            f"every pair at family-wise α = {alpha:g}, read only when the Friedman test rejects (Demšar 2006). "
            "CD is the critical difference of mean ranks."
        )
    )
    items = missing_items(suite)
    if items:
        doc.add(Heading("What is missing or failed", level, anchor=f"{prefix}-missing"), Bullets(items))

    colors = plots.palette(suite.objectives)
    tests = {d: rank_tests(suite, d, heads, alpha) for d in suite.datasets}
    ranking = ranking_table(suite, tests)
    doc.add(Heading("Overall ranking", level, anchor=f"{prefix}-ranking"))
    if ranking is None:
        doc.add(Paragraph("Not enough data to rank: no seed has a finished trial of every objective."))
    else:
        doc.add(ranking)

    for dataset in suite.datasets:
        config = suite.dataset_config(dataset)
        slug = f"{prefix}-{_slug(dataset)}"
        doc.add(Heading(f"Dataset: {dataset}", level, anchor=slug))
        if config:
            seeds_text = ", ".join(map(str, suite.seeds(dataset)))
            doc.add(Paragraph(f"Dataset {_describe_dataset(config)}; seeds {seeds_text}."))
        doc.add(results_table(suite, dataset))
        doc.add(Heading(f"{dataset}: statistics", level + 1))
        if heads:
            doc.add(stats_table(tests[dataset], heads, dataset, alpha))
            dropped = score_matrix(suite, dataset, next(iter(heads)), next(iter(heads.values())))[2]
            if dropped:
                doc.add(
                    Paragraph(
                        f"Seeds {', '.join(map(str, dropped))} are left out of the tests: some objective has no "
                        "finished trial for them."
                    )
                )
        else:
            doc.add(Paragraph("No headline metric with a direction: nothing to test."))
        doc.add(*divergences.blocks(suite, dataset, level + 1, slug, figures))
        if not figures:
            continue
        figs = _dataset_figures(suite, dataset, config, registry, heads, tests[dataset], colors, slug, alpha)
        if figs:
            doc.add(Heading(f"{dataset}: figures", level + 1))
            doc.add(*figs)


def _dataset_figures(
    suite: SuiteResults,
    dataset: str,
    config: Mapping[str, Any],
    registry: Registry | None,
    heads: Mapping[str, str],
    tests: Mapping[str, RankTest],
    colors: Mapping[str, Any],
    slug: str,
    alpha: float,
) -> list[Figure]:
    out = []
    cd = plots.cd_diagrams(list(tests.items()))
    if cd:
        out.append(
            Figure(
                f"{slug}-cd",
                cd,
                f"{dataset}: critical-difference diagrams (Demšar 2006): mean rank over seeds, 1 = best; "
                f"objectives joined by a bar are not separated by the Nemenyi test at α = {alpha:g}.",
            )
        )
    real = real_samples(config, registry)
    grid = plots.sample_grid(suite, dataset, real, colors)
    if grid:
        backdrop = (
            "over the log-density of 20,000 real samples (grey)"
            if real is not None
            else "(dataset plugin not available: no density)"
        )
        out.append(
            Figure(
                f"{slug}-samples",
                grid,
                f"{dataset}: generated samples at evaluated steps {backdrop}; rows objectives (seed named), "
                "identical axes in every panel.",
            )
        )
    images = plots.image_grid(suite, dataset)
    if images:
        out.append(Figure(f"{slug}-images", images, f"{dataset}: generated images per objective at its last snapshot."))
    curve_metrics = dict(heads)
    for x, label in (("step", "generator step"), ("time", "training wall-clock time")):
        png = plots.curves(suite, dataset, curve_metrics, colors, x=x)
        if png:
            out.append(
                Figure(
                    f"{slug}-curves-{x}",
                    png,
                    f"{dataset}: metrics against {label}: median over seeds, band = inter-quartile range"
                    + (" (x = median training time at each evaluation)." if x == "time" else "."),
                )
            )
    modes_total = next(
        (t.value("modes_total") for t in suite.trials if t.dataset == dataset and t.status == "complete"), None
    )
    panels: list[tuple[str, str, float | None]] = [
        ("modes_captured", "modes captured ↑", modes_total if modes_total and math.isfinite(modes_total) else None),
        ("hq_percent", "% high-quality samples ↑", None),
    ]
    png = plots.bars(suite, dataset, panels, colors)
    if png:
        out.append(
            Figure(
                f"{slug}-modes",
                png,
                f"{dataset}: mode coverage: mean of complete runs with 95% bootstrap CI, dots = seeds, "
                "crosses = diverged runs at their last good evaluation, dashed = modes in the data.",
            )
        )
    png = plots.bars(suite, dataset, [("steps_per_s", "generator steps per second ↑", None)], colors)
    if png:
        out.append(
            Figure(
                f"{slug}-throughput",
                png,
                f"{dataset}: training throughput (evaluation excluded), mean with 95% bootstrap CI.",
            )
        )
    return out


def build(
    suites: Sequence[SuiteResults],
    registry: Registry | None,
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    figures: bool = True,
) -> Document:
    """The whole report: one suite, or a section per suite of a results root."""
    title = "ganbench report: " + ", ".join(s.name for s in suites)
    doc = Document(title)
    doc.add(Paragraph(f"Generated by ganbench {__version__}."))
    if len(suites) == 1:
        suite_blocks(doc, suites[0], registry, 2, alpha, metrics, figures)
    else:
        for suite in suites:
            doc.add(Heading(f"Suite: {suite.name}", 2, anchor=_slug(suite.name)))
            suite_blocks(doc, suite, registry, 3, alpha, metrics, figures)
    return doc
