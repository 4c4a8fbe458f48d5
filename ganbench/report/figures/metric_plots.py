"""Figures of metric values: curves over training (every seed a thin line, the mean bold),
bars of final values (mean, t-interval, every seed a dot), and Demšar's (2006)
critical-difference diagrams of the objectives' mean ranks (1 = best, left), with the
Nemenyi critical difference and bars joining objectives the test does not separate."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ganbench.report.figures.plotting import ARROW, Bar, Series, colors_of, focus_limits, place, style
from ganbench.report.statistics.describe import t_interval
from ganbench.report.statistics.friedman import RankTest, cliques

X_LABELS = {"step": "generator steps", "critic": "critic updates", "time": "training time (s)"}


def _mean_curve(runs: Sequence[Series], metric: str, x: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Mean over seeds at the evaluations every seed has a finite value for (x: mean over seeds too)."""
    per_step: dict[int, list[tuple[float, float]]] = {}
    for s in runs:
        xs, ys = s.x(x), s.values.get(metric)
        if xs is None or ys is None:
            continue
        for step, xv, yv in zip(s.step, xs, ys, strict=True):
            if math.isfinite(yv) and math.isfinite(xv):
                per_step.setdefault(int(step), []).append((float(xv), float(yv)))
    full = [st for st in sorted(per_step) if len(per_step[st]) == len(runs)]
    if not full:
        return None
    return (
        np.array([np.mean([p[0] for p in per_step[st]]) for st in full]),
        np.array([np.mean([p[1] for p in per_step[st]]) for st in full]),
    )


def curves(
    series: Sequence[Series], metrics: Mapping[str, str], objectives: Sequence[str], colors: Mapping[str, Any], x: str
) -> Any:
    """One panel per metric against ``x`` ("step", "critic" or "time"): each trial a thin line,
    each objective's mean over seeds bold.  A panel whose first evaluation (the untrained
    generator) would crush the rest is framed on the later values, and says so."""
    if not metrics or not series:
        return None
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    drawn = False
    with style():
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.7 * rows), squeeze=False)
        for ax in axes.flat[len(metrics) :]:
            ax.axis("off")
        for ax, (metric, direction) in zip(axes.flat, metrics.items(), strict=False):
            first: list[float] = []
            later: list[float] = []
            for objective in objectives:
                runs = [s for s in series if s.objective == objective]
                color = colors_of(colors, objective)
                for s in runs:
                    xs, ys = s.x(x), s.values.get(metric)
                    if xs is None or ys is None or not np.isfinite(ys).any():
                        continue
                    ax.plot(xs, ys, color=color, lw=0.7, alpha=0.45, ls="-" if s.status == "complete" else ":")
                    first += [float(v) for v in ys[s.step == s.step.min()]]
                    later += [float(v) for v in ys[s.step > s.step.min()]]
                    drawn = True
                complete = [s for s in runs if s.status == "complete"]
                mean = _mean_curve(complete or runs, metric, x)
                if mean is not None:
                    ax.plot(*mean, color=color, lw=1.9, label=objective)
            limits = focus_limits(first, later)
            if limits is not None:
                ax.set_ylim(*limits)
                ax.text(0.99, 0.98, "step 0 off scale", transform=ax.transAxes, ha="right", va="top", fontsize=6.5)
            ax.set_title(f"{metric} {ARROW.get(direction, '')}".strip())
            ax.set_xlabel(X_LABELS[x])
        if not drawn:
            plt.close(fig)
            return None
        legend: dict[str, Any] = {}  # every objective with a mean curve on any panel, once
        for ax in axes.flat:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                legend.setdefault(label, handle)
        if legend:
            fig.legend(list(legend.values()), list(legend), loc="lower center", ncol=min(len(legend), 6), frameon=False)
        place(fig, left=0.6, right=0.15, top=0.3, bottom=0.95, gap_x=0.65, gap_y=0.85)
    return fig


def bars(panels: Sequence[tuple[str, float | None, Sequence[Bar]]], colors: Mapping[str, Any]) -> Any:
    """One panel per (title, reference line, bars): the mean of complete runs with its 95 %
    t-interval, each complete seed a dot, each diverged seed a cross at its last value."""
    if not panels:
        return None
    width = max(3.2, 0.6 * max(len(p[2]) for p in panels) + 0.9)
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    with style():
        fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 2.9 * rows), squeeze=False)
        for ax in axes.flat[len(panels) :]:
            ax.axis("off")
        for ax, (title, ref, entries) in zip(axes.flat, panels, strict=False):
            for i, bar in enumerate(entries):
                ok = bar.values[np.isfinite(bar.values)]
                color = colors_of(colors, bar.objective)
                if ok.size:
                    mean = float(ok.mean())
                    ax.bar(i, mean, color=color, alpha=0.75, width=0.7)
                    if ok.size > 1:
                        lo, hi = t_interval(ok)  # identical seeds: (x, x), which the mean may miss by rounding
                        err = [[max(mean - lo, 0.0)], [max(hi - mean, 0.0)]]
                        ax.errorbar(i, mean, yerr=err, color="black", capsize=3, lw=1)
                    ax.scatter(
                        np.full(ok.size, i) + np.linspace(-0.15, 0.15, ok.size), ok, s=10, color="black", zorder=3
                    )
                shown = [v for v in bar.diverged if math.isfinite(v)]
                if shown:
                    ax.scatter([i] * len(shown), shown, marker="x", s=22, color="crimson", zorder=3)
                lost = [f"{n} {w}" for w, n in (("diverged", len(bar.diverged)), ("failed", bar.failed)) if n]
                if lost:
                    ax.text(
                        i,
                        0.98,
                        "\n".join(lost),
                        transform=ax.get_xaxis_transform(),
                        ha="center",
                        va="top",
                        fontsize=7,
                        color="crimson",
                    )
            if ref is not None:
                ax.axhline(ref, color="0.3", ls="--", lw=1)
            low, high = ax.get_ylim()
            ax.set_ylim(low, high + 0.12 * (high - low))  # room for the 'diverged' / 'failed' notes
            ax.set_xticks(range(len(entries)))
            ax.set_xticklabels([b.objective for b in entries], rotation=30, ha="right")
            ax.set_title(title)
            ax.grid(axis="x", visible=False)
        place(fig, left=0.6, right=0.15, top=0.3, bottom=1.0, gap_x=0.75, gap_y=1.3)
    return fig


def _rows(k: int, n_cliques: int) -> float:
    """Height of one diagram in axis units (see :func:`_diagram`)."""
    return 0.75 + 0.08 * n_cliques + 0.22 * math.ceil(k / 2) + 0.1


def _diagram(ax: Any, name: str, test: RankTest) -> None:
    """The rank axis at y = 0 (1 = best, left), the CD bar above it, clique bars just below
    it, the objectives' names below those."""
    k = len(test.objectives)
    r = test.mean_ranks
    groups = cliques(r, test.cd) if math.isfinite(test.cd) else []
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(-(_rows(k, len(groups)) - 0.75), 0.75)
    ax.axis("off")
    ax.plot([1, k], [0, 0], color="black", lw=1)
    for tick in range(1, k + 1):
        ax.plot([tick, tick], [0, 0.06], color="black", lw=1)
        ax.text(tick, 0.09, str(tick), ha="center", va="bottom", fontsize=8)
    if math.isfinite(test.cd):
        ax.plot([1, 1 + test.cd], [0.42, 0.42], color="black", lw=2)
        for end in (1, 1 + test.cd):
            ax.plot([end, end], [0.38, 0.46], color="black", lw=1)
        ax.text(1 + test.cd / 2, 0.48, f"CD = {test.cd:.2f}", ha="center", va="bottom", fontsize=7)
    for g, group in enumerate(groups):  # objectives the Nemenyi test does not separate
        y = -0.08 - 0.08 * g
        ax.plot([r[group[0]] - 0.04, r[group[-1]] + 0.04], [y, y], color="black", lw=3, solid_capstyle="round")
    top = -0.08 - 0.08 * len(groups)
    half = math.ceil(k / 2)
    for pos, i in enumerate(test.order()):
        left = pos < half
        y = top - 0.22 * ((pos if left else k - 1 - pos) + 1)
        x_text = 0.6 if left else k + 0.4
        ax.plot([r[i], r[i], x_text], [0, y, y], color="0.3", lw=0.8, zorder=1)
        ax.text(
            x_text, y, f"{test.objectives[i]} ({r[i]:.2f})", ha="right" if left else "left", va="center", fontsize=8
        )
    p = test.p_decision
    ax.set_title(f"{name}: Friedman p = {p:.3g} (Holm), N = {test.n_blocks} seeds", fontsize=9)


def cd_diagrams(tests: Sequence[tuple[str, RankTest]]) -> Any:
    """One diagram per (metric, test); the caller passes only tests that reject."""
    if not tests:
        return None
    heights = [_rows(len(t.objectives), len(cliques(t.mean_ranks, t.cd))) for _, t in tests]
    with style():
        fig, axes = plt.subplots(
            len(tests),
            1,
            figsize=(6.4, 1.4 * sum(heights) + 0.3),
            squeeze=False,
            gridspec_kw={"height_ratios": heights},
        )
        for ax, (metric, test) in zip(axes[:, 0], tests, strict=True):
            _diagram(ax, metric, test)
        fig.tight_layout()
    return fig
