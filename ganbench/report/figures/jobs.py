"""Which figures a dataset's section has, from what data, with what caption: one
:class:`~ganbench.report.figures.drawing.Job` per figure, drawn later by :mod:`ganbench.report.figures.drawing`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ganbench.report.critic_updates import n_critic
from ganbench.report.figures import metric_plots, sample_plots
from ganbench.report.figures.drawing import Job
from ganbench.report.figures.plotting import ARROW, Bar, Frame, Series, Snapshots, density, pick, square_frame
from ganbench.report.fmt import safe_name
from ganbench.report.statistics.friedman import RankTest
from ganbench.results.reader import SuiteResults, TrialResult
from ganbench.status import FINAL

#: images kept per snapshot for mosaics and animations
MOSAIC = 36


def _trials(suite: SuiteResults, dataset: str, objective: str) -> list[TrialResult]:
    statuses = (*FINAL, "unfinished")
    found = [t for t in suite.trials if t.dataset == dataset and t.objective == objective]
    return sorted(
        (t for t in found if t.status in statuses and t.path is not None), key=lambda t: (t.seed is None, t.seed or 0)
    )


def median_trial(trials: Sequence[TrialResult], metric: str | None) -> TrialResult | None:
    """The complete trial with the median value of ``metric`` (the lower middle of an even count),
    else the lowest seed with samples."""
    ok = [t for t in trials if t.status == "complete" and t.sample_steps()]
    if metric is not None:
        valued = sorted((t for t in ok if math.isfinite(t.value(metric))), key=lambda t: (t.value(metric), t.seed))
        if valued:
            return valued[(len(valued) - 1) // 2]
    rest = ok or [t for t in trials if t.sample_steps()]
    return rest[0] if rest else None


def snapshots(trial: TrialResult, steps: Sequence[int] | None = None) -> Snapshots:
    have = trial.sample_steps()
    wanted = have if steps is None else [s for s in steps if s in set(have)]
    samples = {}
    for s in wanted:
        x = trial.samples(s)
        samples[s] = x[:MOSAIC] if x.ndim == 4 else x
    return Snapshots(trial.objective, trial.seed, trial.status, samples)


def series(trial: TrialResult, metrics: Sequence[str]) -> Series | None:
    hist = [r for r in trial.history if "step" in r]
    if not hist:
        return None
    step = np.array([int(r["step"]) for r in hist])
    nc = n_critic([trial])
    time = np.array([float(r.get("train_time", math.nan)) for r in hist])
    values = {m: np.array([float(r[m]) if r.get(m) is not None else math.nan for r in hist]) for m in metrics}
    return Series(trial.objective, trial.seed, trial.status, step, step * nc if nc else None, time, values)


def _frame(real: np.ndarray | None, last: Sequence[np.ndarray]) -> Frame:
    if real is not None and real.ndim == 2 and real.shape[1] == 2:
        xlim, ylim = square_frame(real)
        return Frame(xlim, ylim, density(real, xlim, ylim))
    pts = np.concatenate(last)
    xlim, ylim = square_frame(pts[np.isfinite(pts).all(axis=1)])
    return Frame(xlim, ylim, None)


def sample_jobs(
    suite: SuiteResults, dataset: str, real: np.ndarray | None, colors: Mapping[str, Any], slug: str, metric: str | None
) -> list[Job]:
    per_objective = {o: _trials(suite, dataset, o) for o in suite.objectives}
    per_objective = {o: [t for t in ts if t.sample_steps()] for o, ts in per_objective.items()}
    per_objective = {o: ts for o, ts in per_objective.items() if ts}
    if not per_objective:
        return []
    first = next(iter(per_objective.values()))[0]
    kind = first.samples(first.sample_steps()[-1]).ndim
    all_seeds = {o: [snapshots(t, [t.sample_steps()[-1]]) for t in ts] for o, ts in per_objective.items()}
    by = f" by {metric}" if metric else ""
    jobs = []
    if kind == 4:
        jobs.append(
            Job(
                f"{slug}-images",
                f"{dataset}: generated images of every seed at its last snapshot; rows objectives.",
                sample_plots.image_grid,
                (list(all_seeds.values()),),
                raster=True,
            )
        )
        frame = None
    elif kind == 2 and first.samples(first.sample_steps()[-1]).shape[1] == 2:
        frame = _frame(real, [s.samples[s.last] for ss in all_seeds.values() for s in ss])
        backdrop = "over the log-density of 20,000 real samples (grey)" if frame.backdrop is not None else ""
        medians = [median_trial(ts, metric) for ts in per_objective.values()]
        rows = [m for m in medians if m is not None]
        steps = pick(sorted({s for t in rows for s in t.sample_steps()}), 6)
        jobs.append(
            Job(
                f"{slug}-samples",
                f"{dataset}: generated samples over training {backdrop}; one row per objective, its median seed"
                f"{by} (named); identical axes in every panel. Every seed's last snapshot: the next figure.",
                sample_plots.sample_grid,
                ([snapshots(t, steps) for t in rows], steps, frame, colors),
                raster=True,
            )
        )
        jobs.append(
            Job(
                f"{slug}-seeds",
                f"{dataset}: every seed's generated samples at its last snapshot {backdrop}; rows objectives, "
                "so a collapsed seed is not hidden by the others.",
                sample_plots.seeds_grid,
                (list(all_seeds.values()), frame, colors),
                raster=True,
            )
        )
    else:
        return []
    for o, ts in per_objective.items():
        jobs.append(
            Job(
                f"{slug}-{safe_name(o)}-animation",
                f"{dataset}, {o}: samples over training, every seed side by side (GIF).",
                sample_plots.animation,
                ([snapshots(t) for t in ts], frame, colors[o]),
                animation=True,
            )
        )
    return jobs


def metric_jobs(
    suite: SuiteResults, dataset: str, heads: Mapping[str, str], colors: Mapping[str, Any], slug: str
) -> list[Job]:
    trials = [t for o in suite.objectives for t in _trials(suite, dataset, o)]
    data = [s for s in (series(t, list(heads)) for t in trials) if s is not None]
    jobs = []
    axes = [("step", "generator steps"), ("critic", "critic updates"), ("time", "training wall-clock time")]
    if any(s.critic is None for s in data):
        axes.pop(1)
    for x, label in axes:
        jobs.append(
            Job(
                f"{slug}-curves-{x}",
                f"{dataset}: headline metrics against {label}: each trial a thin line, the mean over seeds "
                "bold" + (" (x: mean training time at each evaluation)" if x == "time" else "") + ".",
                metric_plots.curves,
                (data, dict(heads), suite.objectives, colors, x),
                group=f"{slug}-curves",
                option=label,
            )
        )
    coverage = coverage_job(suite, dataset, colors, slug)
    if coverage is not None:
        jobs.append(coverage)
    counts = {c["covered"] for c in suite.coverage} if coverage is not None else set()  # drawn there already
    final = [(f"{m} {ARROW[d]}".strip(), list(_bars(suite, dataset, m))) for m, d in heads.items() if m not in counts]
    jobs.append(
        Job(
            f"{slug}-final",
            f"{dataset}: final headline metrics: mean of complete runs (bar) with its 95% t-interval, each seed "
            "a dot, each diverged run a cross at its last good evaluation.",
            metric_plots.bars,
            ([(title, None, bars) for title, bars in final if any(b.values.size for b in bars)], colors),
        )
    )
    throughput = list(_bars(suite, dataset, "steps_per_s"))
    if any(b.values.size for b in throughput):
        jobs.append(
            Job(
                f"{slug}-throughput",
                f"{dataset}: training throughput (generator steps per second, evaluation excluded): mean with "
                "95% t-interval, each seed a dot. See the environment table for concurrency.",
                metric_plots.bars,
                ([("steps_per_s ↑", None, throughput)], colors),
            )
        )
    return jobs


def coverage_job(suite: SuiteResults, dataset: str, colors: Mapping[str, Any], slug: str) -> Job | None:
    """One panel per coverage figure the suite's metrics declare (``Metric.coverage``): the count
    of modes reached, with the total as a dashed line where every complete run has the same one."""
    panels = []
    for cov in suite.coverage:
        bars = _bars(suite, dataset, cov["covered"])
        if not any(b.values.size for b in bars):
            continue
        done = [t for t in suite.trials if t.dataset == dataset and t.status == "complete"]
        totals = {v for v in (t.value(cov["total"]) for t in done) if math.isfinite(v)}
        ref = totals.pop() if len(totals) == 1 else None
        title = f"{cov['covered']} {ARROW[suite.outputs.get(cov['covered'], '')]}".strip()
        panels.append((title if ref is None else f"{title} (of {ref:g})", ref, bars))
    if not panels:
        return None
    names = ", ".join(f"{c['covered']} (of {c['total']})" for c in suite.coverage)
    return Job(
        f"{slug}-coverage",
        f"{dataset}: coverage figures the metrics declare, {names}: mean of complete runs (bar) with its 95% "
        "t-interval, each seed a dot, each diverged run a cross at its last good evaluation; dashed: the total.",
        metric_plots.bars,
        (panels, colors),
    )


def _bars(suite: SuiteResults, dataset: str, column: str) -> list[Bar]:
    out = []
    for o in suite.objectives:
        ts = [t for t in suite.trials if t.dataset == dataset and t.objective == o]
        if not ts:
            continue
        ok = np.array([t.value(column) for t in ts if t.status == "complete"], dtype=float)
        diverged = [t.value(column) for t in ts if t.status == "diverged"]
        out.append(Bar(o, ok, diverged, sum(t.status == "error" for t in ts)))
    return out


def cd_job(tests: Mapping[str, RankTest], dataset: str, slug: str, alpha: float) -> Job | None:
    rejecting = [(m, t) for m, t in tests.items() if t.rejects]
    if not rejecting:
        return None
    return Job(
        f"{slug}-cd",
        f"{dataset}: critical-difference diagrams (Demšar 2006) of the metrics whose Friedman test rejects "
        f"(Holm, α = {alpha:g}): mean rank over seeds, 1 = best; objectives joined by a bar are not separated "
        "by the Nemenyi test.",
        metric_plots.cd_diagrams,
        (rejecting,),
    )
