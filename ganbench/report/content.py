"""What a report says, section by section, as a :class:`Document`: the reading guide, what is
missing, the ranking, the configuration and environment, the column definitions, and per
dataset the tables, statistics and figures.  Every number is computed and formatted once,
in the modules this one calls; the figures are drawn once, in parallel, at the end."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ganbench.report import columns, context, critic_updates, published, sections, tuning
from ganbench.report.figures import jobs as figure_jobs
from ganbench.report.figures.drawing import Job, draw_all
from ganbench.report.figures.plotting import FORMS, palette
from ganbench.report.fmt import safe_name, sentence
from ganbench.report.metric_tables import (
    STATUS_WORDS,
    estimate_table,
    headline_caption,
    metric_table,
    secondary_caption,
)
from ganbench.report.rendering.document import Block, Bullets, Document, Heading, Paragraph
from ganbench.report.statistics import ranking
from ganbench.report.statistics.describe import ALPHA, BEST_RULE, INTERVAL
from ganbench.report.statistics.friedman import RankTest
from ganbench.results.reader import SuiteResults
from ganbench.status import FINAL
from ganbench.text import plural
from ganbench.version import __version__

headline = columns.headline  # the metrics a report ranks and tests (``--metric`` picks among them)


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


def _reading_guide(heads: Sequence[str], alpha: float) -> str:
    return (
        "How to read the tables: each cell is the mean ± standard deviation over complete runs, with the value "
        "of every seed below it; decimals are fixed per column; ↑ higher is better, ↓ lower is better; 'runs' "
        "counts every trial by outcome. Intervals (figures and exported data) are the "
        f"{INTERVAL} (mean ± t·sd/√n), which keeps its coverage at a few seeds where a bootstrap does not. "
        + sentence(BEST_RULE.format(alpha=alpha))
        + ". Statistics on the headline metrics ("
        + (", ".join(heads) or "none")
        + "): within each seed the objectives are ranked (1 = best; a diverged or failed run ranks last); "
        "a Friedman test with seeds as blocks asks whether any objective differs, its p-value from the exact "
        "permutation distribution (simulated when too large to enumerate), Holm-corrected across the metrics of "
        f"a dataset; the Nemenyi test compares pairs at family-wise α = {alpha:g}, read only when the Friedman "
        "test rejects (Demšar 2006)."
    )


def _compute_note(suite: SuiteResults, prefix: str) -> str:
    nc: dict[int, list[str]] = {}
    for o in suite.objectives:
        n = critic_updates.n_critic([t for t in suite.trials if t.objective == o])
        if n is not None:
            nc.setdefault(n, []).append(o)
    if len(nc) < 2:
        return ""
    parts = "; ".join(f"{', '.join(objs)}: {n}" for n, objs in sorted(nc.items()))
    matched = [d for d in suite.datasets if isinstance(critic_updates.plan(suite, d), tuple)]
    refs = ", ".join(f"{{table:{prefix}-{safe_name(d)}-budget}}" for d in matched)
    return (
        f"The objectives make different numbers of critic updates per generator step ({parts}), so at equal "
        "generator steps they have not had equal compute. The ranking compares equal generator steps; "
        + (f"the equal-critic-budget tables ({refs}) and " if refs else "")
        + "the curves against critic updates compare equal critic compute."
    )


def _statistics(
    suite: SuiteResults, dataset: str, heads: dict[str, str], tests: dict[str, RankTest], prefix: str, alpha: float
) -> list[Block]:
    if not heads:
        return [Paragraph("No headline metric with a direction: nothing to test.")]
    slug = f"{prefix}-{safe_name(dataset)}"
    out: list[Block] = []
    note = ranking.nemenyi_note(tests, alpha)
    if note:
        out.append(Paragraph(note))
    out.append(ranking.friedman_table(tests, heads, f"{slug}-friedman", dataset))
    ranks = ranking.mean_rank_table(tests, heads, suite.objectives, f"{slug}-ranks", dataset)
    if ranks is not None:
        out.append(ranks)
    pairs = ranking.significant_pairs(tests)
    if pairs:
        out += [Paragraph("Pairs the Nemenyi test separates:"), Bullets(pairs)]
    elif any(t.rejects for t in tests.values()):
        out.append(Paragraph("The Nemenyi test separates no pair at this number of seeds."))
    dropped = ranking.score_matrix(suite, dataset, next(iter(heads)), next(iter(heads.values())))[2]
    if dropped:
        out.append(
            Paragraph(
                f"Seeds {', '.join(map(str, dropped))} are left out of the tests: some objective has no "
                "finished trial for them."
            )
        )
    return out


def _curve_rows(suite: SuiteResults) -> list[dict[str, Any]]:
    rows = []
    for t in suite.trials:
        if t.status not in (*FINAL, "unfinished") or t.path is None:
            continue
        nc = critic_updates.n_critic([t])
        for rec in t.history:
            step = int(rec["step"])
            base = {"suite": suite.name, "dataset": t.dataset, "objective": t.objective, "seed": t.seed}
            base |= {"status": t.status, "step": step, "critic_updates": step * nc if nc else None}
            base["train_time"] = rec.get("train_time")
            for key, value in rec.items():
                if key not in ("step", "train_time") and isinstance(value, int | float):
                    rows.append({**base, "metric": key, "value": float(value)})
    return rows


#: fresh samples of a dataset from its resolved config (the backdrop of 2-D sample figures), or None
RealSamples = Callable[[Mapping[str, Any]], "np.ndarray | None"]


def suite_blocks(
    suite: SuiteResults,
    data: dict[str, list[dict[str, Any]]],
    level: int = 2,
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    draw: bool = True,
    real_samples: RealSamples | None = None,
) -> list[Block | Job]:
    """One suite's report; headings start at ``level``; its numbers are appended to ``data``.
    Figures only with ``draw``; their backdrop of real data only with ``real_samples``."""
    counts = suite.counts()
    prefix = safe_name(suite.name)
    seeds = suite.seeds()
    out: list[Block | Job] = [
        Paragraph(
            f"Suite '{suite.name}'{f' — {suite.description}' if suite.description else ''}. Results: {suite.path}"
            f"{f'; suite file: {suite.source}' if suite.source else ''}. {len(suite.trials)} trials "
            f"({plural(len(suite.datasets), 'dataset')} × {plural(len(suite.objectives), 'objective')} × "
            f"{plural(len(seeds), 'seed')}): "
            + ", ".join(f"{counts[s]} {STATUS_WORDS[s]}" for s in counts if counts[s] or s == "complete")
            + "."
        )
    ]
    override = published.override_note(suite)
    if override is not None:
        out.append(override)
    others = context.others_note(suite)
    if others:
        out.append(Paragraph(sentence(others) + ".", warning=not suite.all_trials))
    heads = columns.headline(suite, metrics)
    out.append(Paragraph(_reading_guide(list(heads), alpha)))
    items = missing_items(suite)
    if items:
        out += [Heading("What is missing or failed", level, anchor=f"{prefix}-missing"), Bullets(items)]

    tests = {d: ranking.rank_tests(suite, d, heads, alpha) for d in suite.datasets}
    data.setdefault("ranks", []).extend(ranking.rank_records(suite, tests))
    table = ranking.ranking_table(suite, tests)
    out.append(Heading("Overall ranking", level, anchor=f"{prefix}-ranking"))
    out.append(table if table is not None else Paragraph("Not enough data to rank: no seed has every objective."))
    note = _compute_note(suite, prefix)
    if note:
        out.append(Paragraph(note))

    out += published.blocks(suite, level, prefix, alpha, data)

    out.append(Heading("Configuration and environment", level, anchor=f"{prefix}-context"))
    out += context.context_blocks(suite)
    shown = {**heads, **columns.secondary(suite, list(heads))}
    if "estimate" in columns.columns(suite):
        shown["estimate"] = ""
    docs = columns.describe(suite, shown)
    out += [Heading("Columns: definitions and units", level, anchor=f"{prefix}-columns")]
    out.append(Bullets(columns.definitions(docs)))

    colors = palette(suite.objectives)
    for dataset in suite.datasets:
        slug = f"{prefix}-{safe_name(dataset)}"
        out.append(Heading(f"Dataset: {dataset}", level, anchor=slug))
        seeds_here = suite.seeds(dataset)
        out.append(Paragraph(f"Seeds {', '.join(map(str, seeds_here))}."))
        if heads:
            t, recs = metric_table(
                suite, dataset, {k: docs[k] for k in heads}, "headline", headline_caption(dataset, seeds_here, alpha)
            )
            out.append(t)
            data.setdefault("summary", []).extend(recs)
        rest = {k: docs[k] for k in columns.secondary(suite, list(heads))}
        if rest:
            t, recs = metric_table(suite, dataset, rest, "secondary", secondary_caption(dataset, alpha))
            out.append(t)
            data.setdefault("summary", []).extend(recs)
        if "estimate" in docs:
            est = estimate_table(suite, dataset, docs["estimate"])
            if est is not None:
                out.append(est[0])
                data.setdefault("summary", []).extend(est[1])
        matched = critic_updates.table(suite, dataset, {k: docs[k] for k in heads}, alpha)
        if isinstance(matched, str):
            out.append(Paragraph(f"{dataset}: no equal-critic-budget table: {matched}."))
        elif matched is not None:
            out.append(matched[0])
            data.setdefault("budget", []).extend(matched[1])
        out.append(Heading(f"{dataset}: statistics", level + 1, anchor=f"{slug}-statistics"))
        out += _statistics(suite, dataset, heads, tests[dataset], prefix, alpha)
        out += tuning.blocks(suite, dataset, level + 1, slug, draw, data)
        out += sections.blocks(suite.sections, suite, dataset, level + 1, slug, draw)
        if not draw:
            continue
        jobs: list[Job] = []
        cd = figure_jobs.cd_job(tests[dataset], dataset, slug, alpha)
        if cd is not None:
            jobs.append(cd)
        elif any(t.tested for t in tests[dataset].values()):
            out.append(
                Paragraph(
                    f"No critical-difference diagram for {dataset}: no metric's Friedman test rejects "
                    f"(Holm, α = {alpha:g}), so the mean ranks are not shown as separated or joined."
                )
            )
        config = suite.dataset_config(dataset)
        real = real_samples(config) if real_samples is not None and config else None
        jobs += figure_jobs.sample_jobs(suite, dataset, real, colors, slug, next(iter(heads), None))
        jobs += figure_jobs.metric_jobs(suite, dataset, heads, colors, slug)
        if jobs:
            out.append(Heading(f"{dataset}: figures", level + 1, anchor=f"{slug}-figures"))
            out += jobs
    data.setdefault("curves", []).extend(_curve_rows(suite))
    return out


def build(
    suites: Sequence[SuiteResults],
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    draw: bool = True,
    forms: Sequence[str] = FORMS,
    workers: int = 0,
    real_samples: RealSamples | None = None,
) -> Document:
    """The whole report: one suite, or a section per suite of a results root.  Figures (with
    ``draw``) are drawn once, in the ``forms`` the output formats need, by ``workers`` processes
    (0: one per core); ``real_samples`` gives 2-D sample figures their backdrop of real data."""
    title = "ganbench report: " + ", ".join(s.name for s in suites)
    doc = Document(title)
    items: list[Block | Job] = [Paragraph(f"Generated by ganbench {__version__}.")]
    if len(suites) == 1:
        items += suite_blocks(suites[0], doc.data, 2, alpha, metrics, draw, real_samples)
    else:
        for suite in suites:
            items.append(Heading(f"Suite: {suite.name}", 2, anchor=safe_name(suite.name)))
            items += suite_blocks(suite, doc.data, 3, alpha, metrics, draw, real_samples)
    drawn = draw_all([i for i in items if isinstance(i, Job)], forms, workers)
    for item in items:
        if isinstance(item, Job):
            if item.name in drawn:
                doc.add(drawn[item.name])
        else:
            doc.add(item)
    return doc


__all__ = ["STATUS_WORDS", "RealSamples", "build", "headline", "missing_items", "suite_blocks"]
