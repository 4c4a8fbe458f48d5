"""Report figures, drawn with matplotlib's Agg backend in one style; each returns PNG bytes (or None
when the results hold nothing to draw).

One colour per objective throughout a report (:func:`palette`), so a reader can
follow an objective from figure to figure."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no GUI toolkit

import matplotlib.pyplot as plt
import numpy as np

from ganbench.report.load import FINAL, SuiteResults, Trial
from ganbench.report.stats import RankTest, bootstrap_ci, cliques

STYLE: Any = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
}
ARROW = {"max": "↑", "min": "↓", "": ""}
#: samples drawn from the dataset for the density behind the sample grid
DENSITY_SAMPLES = 20_000


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def palette(objectives: Sequence[str]) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10" if len(objectives) <= 10 else "tab20")
    return {o: cmap(i % cmap.N) for i, o in enumerate(objectives)}


def _trials(suite: SuiteResults, dataset: str, objective: str, statuses: Sequence[str] = FINAL) -> list[Trial]:
    return [
        t
        for t in suite.trials
        if t.dataset == dataset and t.objective == objective and t.status in statuses and t.path is not None
    ]


def _snapshot_trial(suite: SuiteResults, dataset: str, objective: str) -> Trial | None:
    """The trial whose samples a grid shows: the lowest complete seed, else any with samples."""
    candidates = [t for t in _trials(suite, dataset, objective, (*FINAL, "unfinished")) if t.sample_steps()]
    candidates.sort(key=lambda t: (t.status != "complete", t.seed if t.seed is not None else math.inf))
    return candidates[0] if candidates else None


def _count(trials: Sequence[Trial], status: str) -> int:
    return sum(t.status == status for t in trials)


def _pick(steps: Sequence[int], n: int) -> list[int]:
    steps = sorted(set(steps))
    if len(steps) <= n:
        return steps
    idx = np.unique(np.round(np.linspace(0, len(steps) - 1, n)).astype(int))
    return [steps[i] for i in idx]


# ------------------------------------------------------------------ samples over the data density


def sample_grid(
    suite: SuiteResults,
    dataset: str,
    real: np.ndarray | None,
    colors: Mapping[str, Any],
    max_columns: int = 6,
) -> bytes | None:
    """Rows objectives, columns training steps: generated points (2-D datasets) over a
    log-density histogram of ``real`` samples, every panel on the same axes."""
    rows = [(o, _snapshot_trial(suite, dataset, o)) for o in suite.objectives]
    rows = [(o, t) for o, t in rows if t is not None]
    if not rows:
        return None
    first = rows[0][1]
    assert first is not None
    probe = first.samples(first.sample_steps()[-1])
    if probe.ndim != 2 or probe.shape[1] != 2:
        return None
    all_steps = sorted({s for _, t in rows if t is not None for s in t.sample_steps()})
    steps = _pick(all_steps, max_columns)
    if real is not None and real.ndim == 2 and real.shape[1] == 2:
        ref = real
    else:  # no dataset plugin: frame the last generated samples instead
        ref = np.concatenate([t.samples(t.sample_steps()[-1]) for _, t in rows if t is not None])
        ref = ref[np.isfinite(ref).all(axis=1)]
        real = None
    lo, hi = np.percentile(ref, 0.5, axis=0), np.percentile(ref, 99.5, axis=0)
    center, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2 * 1.25 + 1e-9
    xlim = (center[0] - half, center[0] + half)
    ylim = (center[1] - half, center[1] + half)
    density = None
    if real is not None:
        density, _, _ = np.histogram2d(real[:, 0], real[:, 1], bins=120, range=[xlim, ylim])
        density = np.log1p(density.T)
    with _style():
        fig, axes = plt.subplots(
            len(rows), len(steps), figsize=(1.7 * len(steps) + 0.6, 1.7 * len(rows)), squeeze=False
        )
        for r, (objective, trial) in enumerate(rows):
            assert trial is not None
            available = set(trial.sample_steps())
            for c, step in enumerate(steps):
                ax = axes[r][c]
                ax.set_xlim(xlim)
                ax.set_ylim(ylim)
                ax.set_aspect("equal")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for side in ("top", "right"):
                    ax.spines[side].set_visible(True)
                if density is not None:
                    ax.imshow(density, extent=(*xlim, *ylim), origin="lower", cmap="Greys", alpha=0.55, aspect="auto")
                if step in available:
                    pts = trial.samples(step)
                    pts = pts[np.isfinite(pts).all(axis=1)]
                    ax.scatter(pts[:, 0], pts[:, 1], s=1.5, color=colors[objective], alpha=0.6, linewidths=0)
                    outside = int(
                        np.sum(
                            (pts[:, 0] < xlim[0])
                            | (pts[:, 0] > xlim[1])
                            | (pts[:, 1] < ylim[0])
                            | (pts[:, 1] > ylim[1])
                        )
                    )
                    if outside:
                        ax.text(0.03, 0.03, f"{outside} off-axis", transform=ax.transAxes, fontsize=6, color="0.3")
                else:
                    why = trial.status if trial.status != "complete" else "no snapshot"
                    ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", color="0.4")
                if r == 0:
                    ax.set_title(f"step {step}")
                if c == 0:
                    ax.set_ylabel(f"{objective}\n(seed {trial.seed})")
        fig.tight_layout()
        return _png(fig)


# ------------------------------------------------------------------ image samples


def _tile(images: np.ndarray, n: int = 6) -> np.ndarray:
    """(N, C, H, W) -> one (n·H, n·W, C) mosaic scaled to [0, 1]."""
    x = images[: n * n].astype(np.float64)
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    if x.min() < 0:  # tanh outputs in [-1, 1]
        x = (x + 1) / 2
    elif x.max() > 1.5:  # 0..255
        x = x / 255.0
    x = np.clip(x, 0, 1)
    count, c, h, w = x.shape
    if c not in (1, 3):
        x = x[:, :1]
        c = 1
    blank = np.ones((n * n - count, c, h, w), dtype=x.dtype)
    x = np.concatenate([x, blank])
    x = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=1.0)  # a white line between images
    h, w = h + 1, w + 1
    x = x.reshape(n, n, c, h, w)
    return x.transpose(0, 3, 1, 4, 2).reshape(n * h, n * w, c)[:-1, :-1]


def image_grid(suite: SuiteResults, dataset: str) -> bytes | None:
    """For image datasets (samples of shape (N, C, H, W)): a mosaic of generated images
    per objective at its last snapshot."""
    panels = []
    for objective in suite.objectives:
        trial = _snapshot_trial(suite, dataset, objective)
        if trial is None:
            continue
        step = trial.sample_steps()[-1]
        x = trial.samples(step)
        if x.ndim != 4:
            return None
        panels.append((objective, trial, step, _tile(x)))
    if not panels:
        return None
    cols = min(len(panels), 4)
    rows = math.ceil(len(panels) / cols)
    with _style():
        fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.8 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, (objective, trial, step, mosaic) in zip(axes.flat, panels, strict=False):
            image = mosaic.squeeze(-1) if mosaic.shape[-1] == 1 else mosaic
            ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(f"{objective}\nseed {trial.seed}, step {step}")
        fig.tight_layout()
        return _png(fig)


# ------------------------------------------------------------------ metric curves


def _curve(trials: Sequence[Trial], metric: str, x: str) -> tuple[np.ndarray, ...] | None:
    """Per evaluated step: x (step, or median train_time), median, 25th and 75th percentile over seeds."""
    by_step: dict[int, list[tuple[float, float]]] = {}
    for t in trials:
        for rec in t.history:
            v = rec.get(metric)
            if v is None or not math.isfinite(float(v)):
                continue
            by_step.setdefault(int(rec["step"]), []).append((float(rec.get("train_time", math.nan)), float(v)))
    if not by_step:
        return None
    steps = sorted(by_step)
    xs = np.array([s if x == "step" else float(np.nanmedian([p[0] for p in by_step[s]])) for s in steps])
    vals = [np.array([p[1] for p in by_step[s]]) for s in steps]
    med = np.array([np.median(v) for v in vals])
    q1 = np.array([np.percentile(v, 25) for v in vals])
    q3 = np.array([np.percentile(v, 75) for v in vals])
    return xs, med, q1, q3


def curves(
    suite: SuiteResults,
    dataset: str,
    metrics: Mapping[str, str],
    colors: Mapping[str, Any],
    x: str = "step",
) -> bytes | None:
    """One panel per metric: median over seeds against the step (``x="step"``) or the training
    wall-clock time (``x="time"``), with the inter-quartile band."""
    if not metrics:
        return None
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    drawn = False
    with _style():
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
        for ax in axes.flat[len(metrics) :]:
            ax.axis("off")
        for ax, (metric, direction) in zip(axes.flat, metrics.items(), strict=False):
            for objective in suite.objectives:
                curve = _curve(_trials(suite, dataset, objective, (*FINAL, "unfinished")), metric, x)
                if curve is None:
                    continue
                xs, med, q1, q3 = curve
                ax.plot(xs, med, color=colors[objective], lw=1.4, label=objective)
                ax.fill_between(xs, q1, q3, color=colors[objective], alpha=0.18, lw=0)
                drawn = True
            ax.set_title(f"{metric} {ARROW.get(direction, '')}".strip())
            ax.set_xlabel("generator step" if x == "step" else "training time (s)")
        if not drawn:
            plt.close(fig)
            return None
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False, bbox_to_anchor=(0.5, -0.02)
        )
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        return _png(fig)


# ------------------------------------------------------------------ bars


def bars(
    suite: SuiteResults,
    dataset: str,
    panels: Sequence[tuple[str, str, float | None]],
    colors: Mapping[str, Any],
) -> bytes | None:
    """One panel per (column, title, reference line): mean over complete trials with its 95%
    bootstrap interval, each complete seed a dot, each diverged seed a cross at its last value."""
    panels = [p for p in panels if any(not math.isnan(t.value(p[0])) for t in suite.trials if t.dataset == dataset)]
    if not panels:
        return None
    objectives = suite.objectives
    with _style():
        fig, axes = plt.subplots(
            1, len(panels), figsize=(max(3.2, 0.75 * len(objectives) + 1.2) * len(panels), 2.9), squeeze=False
        )
        for ax, (column, title, ref) in zip(axes[0], panels, strict=True):
            for i, objective in enumerate(objectives):
                trials = _trials(suite, dataset, objective)
                ok = np.array([t.value(column) for t in trials if t.status == "complete"])
                ok = ok[np.isfinite(ok)]
                if ok.size:
                    lo, hi = bootstrap_ci(ok)
                    mean = float(ok.mean())
                    ax.bar(i, mean, color=colors[objective], alpha=0.75, width=0.7)
                    # identical seeds (steps_per_s of one group): the interval may miss the mean by rounding
                    err = [[max(0.0, mean - lo)], [max(0.0, hi - mean)]]
                    ax.errorbar(i, mean, yerr=err, color="black", capsize=3, lw=1)
                    ax.scatter(
                        np.full(ok.size, i) + np.linspace(-0.15, 0.15, ok.size), ok, s=10, color="black", zorder=3
                    )
                bad = [t.value(column) for t in trials if t.status == "diverged"]
                shown = [v for v in bad if math.isfinite(v)]
                if shown:
                    ax.scatter([i] * len(shown), shown, marker="x", s=22, color="crimson", zorder=3)
                lost = [f"{n} {w}" for w, n in (("diverged", len(bad)), ("failed", _count(trials, "error"))) if n]
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
            ax.set_xticks(range(len(objectives)))
            ax.set_xticklabels(objectives, rotation=30, ha="right")
            ax.set_title(title)
            ax.grid(axis="x", visible=False)
        fig.tight_layout()
        return _png(fig)


# ------------------------------------------------------------------ critical-difference diagrams


def _cd_rows(k: int, n_cliques: int) -> float:
    """Height of one diagram in axis units (see :func:`_cd_axes`)."""
    return 0.75 + 0.08 * n_cliques + 0.22 * math.ceil(k / 2) + 0.1


def _cd_axes(ax: Any, name: str, test: RankTest) -> None:
    """One critical-difference diagram: the rank axis at y = 0 (1 = best, left), the CD bar
    above it, clique bars just below it, the objectives' names below those."""
    k = len(test.objectives)
    r = test.mean_ranks
    groups = cliques(r, test.cd) if math.isfinite(test.cd) else []
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(-(_cd_rows(k, len(groups)) - 0.75), 0.75)
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
    order = test.order()
    half = math.ceil(k / 2)
    for pos, i in enumerate(order):
        left = pos < half
        y = top - 0.22 * ((pos if left else k - 1 - pos) + 1)
        x_text = 0.6 if left else k + 0.4
        ax.plot([r[i], r[i], x_text], [0, y, y], color="0.3", lw=0.8, zorder=1)
        ax.text(
            x_text, y, f"{test.objectives[i]} ({r[i]:.2f})", ha="right" if left else "left", va="center", fontsize=8
        )
    verdict = "p = " + (f"{test.p_value:.3g}" if test.tested else "–")
    ax.set_title(f"{name}: Friedman {verdict}, N = {test.n_blocks} seeds", fontsize=9)


def cd_diagrams(tests: Sequence[tuple[str, RankTest]]) -> bytes | None:
    """Demšar's critical-difference diagrams, one per metric: mean ranks on an axis
    (1 = best, left), the Nemenyi critical difference, and bars joining objectives whose
    mean ranks differ by less than it."""
    tests = [(m, t) for m, t in tests if t.tested]
    if not tests:
        return None
    heights = [_cd_rows(len(t.objectives), len(cliques(t.mean_ranks, t.cd))) for _, t in tests]
    with _style():
        fig, axes = plt.subplots(
            len(tests),
            1,
            figsize=(6.4, 1.4 * sum(heights) + 0.3),
            squeeze=False,
            gridspec_kw={"height_ratios": heights},
        )
        for ax, (metric, test) in zip(axes[:, 0], tests, strict=True):
            _cd_axes(ax, metric, test)
        fig.tight_layout()
        return _png(fig)
