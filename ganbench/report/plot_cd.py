"""Demšar's (2006) critical-difference diagrams: mean ranks on an axis (1 = best, left), the
Nemenyi critical difference, and bars joining objectives the test does not separate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt

from ganbench.report.friedman import RankTest, cliques
from ganbench.report.plotting import style


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
