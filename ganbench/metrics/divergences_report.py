"""The divergence matrix: every generator judged by every divergence (Im et al. 2018).

Renders, per dataset, the matrix of :mod:`ganbench.metrics.divergences_matrix`: a compact
table of ranks (training objective × evaluation divergence, 1 = the lowest divergence: the
generator closest to the data by that measure; the diagonal, "trained with X, judged by
X", marked; diverging cells named; still-rising cells unranked; each row's and column's
converged critics counted), a heat map of those ranks, the table of the values behind them
(the mean held-out estimate over complete seeds with a 95% t-interval, "diverging (support
mismatch)", or "≥ x (still rising)", a lower bound), how many critics converged, diverged
and were still rising, the agreement of the columns' rankings (Kendall's W, mean Spearman
correlation), a permutation test of whether training with X wins under X, and each
training critic's own estimate beside the independent critic's estimate of the same
divergence at the same step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display

import matplotlib.pyplot as plt
import numpy as np

from ganbench.metrics.divergences import key
from ganbench.metrics.divergences_matrix import (
    PERMUTATIONS,
    Agreement,
    Matrix,
    SelfPreference,
    agreement,
    matrix,
    self_preference,
)
from ganbench.report.figures.drawing import Job
from ganbench.report.fmt import NONE, fmt, fmt_p
from ganbench.report.rendering.document import Block, Cell, Heading, Paragraph, Table
from ganbench.report.sections import SuiteView
from ganbench.report.statistics.describe import ALPHA, t_interval

#: a diverging cell: an estimate above what bounded density ratios allow (the divergence is infinite)
DIVERGING = "diverging (support mismatch)"
#: a cell with a critic still rising at max_steps: its estimate is a lower bound the budget cut short
RISING = "unconverged (still rising)"


def _num(x: float) -> str:
    """An estimate in nats: scientific notation from 10,000 (a matrix cell is narrow)."""
    return fmt(x, large=1e4)


# ------------------------------------------------------------------ blocks


def _rank(m: Matrix, i: int, j: int) -> str:
    r = m.ranks[i, j]
    return str(int(r)) if r == int(r) else f"{r:g}"


def rank_table(m: Matrix) -> Table:
    """The compact matrix: each cell the row's rank in the column, "diverging" where the cell
    is, "rising k" (unranked) where k seeds' critics were still rising, * on the diagonal,
    "nc k" where k seeds' critics had not converged otherwise; each row's and each column's
    converged critics counted."""
    headers = ["trained with", "seeds", "converged", *m.columns]
    diagonal = set(m.diagonal())
    rows = []
    for i, label in enumerate(m.rows):
        done, total = m.row_converged(i)
        cells = [Cell(label), Cell(str(len(m.trials[i]))), Cell(f"{done}/{total}")]
        for j in range(len(m.columns)):
            mark = "*" if (i, j) in diagonal else ""
            if m.rising[i, j] and not m.diverging[i, j]:
                cells.append(Cell(f"rising {m.rising[i, j]}{mark}"))
                continue
            if not math.isfinite(m.ranks[i, j]):
                cells.append(Cell(NONE))
                continue
            text = ("diverging" if m.diverging[i, j] else _rank(m, i, j)) + mark
            text += f" nc {m.flagged[i, j]}" if m.flagged[i, j] and not m.diverging[i, j] else ""
            best = not m.diverging[i, j] and m.ranks[i, j] == np.nanmin(m.ranks[:, j])
            cells.append(Cell(text, best=bool(best)))
        rows.append(cells)
    totals = [m.column_converged(j) for j in range(len(m.columns))]
    rows.append(
        [Cell("converged"), Cell(""), Cell(f"{m.converged()}/{m.critics()}")] + [Cell(f"{d}/{t}") for d, t in totals]
    )
    return Table(
        headers,
        rows,
        caption=(
            f"{m.dataset}: each generator (row: its training objective) ranked within each divergence (column) by a "
            "fresh critic's held-out estimate, mean over complete seeds; 1 = lowest divergence, bold = rank 1 (the "
            "lowest mean, not a significance claim); * = trained with this objective (the diagonal); diverging = an "
            "estimate rose above what density ratios within [1/n, n] allow, so the divergence is infinite under a "
            "support mismatch (ranked last, tied); rising k = k seeds' critics were unconverged and still rising at "
            "max_steps (their estimates are lower bounds: the cell is not ranked); nc k = k seeds' critics had "
            "otherwise not converged within their budget; converged = critics that "
            "converged of those run, per row and (last row) per divergence. The values are in the next table."
        ),
        align="lrr" + "r" * len(m.columns),
    )


def _value(m: Matrix, i: int, j: int) -> str:
    v = m.values[i][j]
    if m.diverging[i, j]:
        return f"{DIVERGING} {m.diverging[i, j]}/{len(m.trials[i])}"
    if m.rising[i, j]:
        return f"≥ {_num(m.bound[i, j])} ({RISING} {m.rising[i, j]}/{len(m.trials[i])})" if v.size else RISING
    if v.size == 0:
        return NONE
    text = _num(m.mean[i, j]) if v.size == 1 else f"{_num(m.mean[i, j])} [{_num(m.low[i, j])}, {_num(m.high[i, j])}]"
    return text + (f" nc {m.flagged[i, j]}/{len(m.trials[i])}" if m.flagged[i, j] else "")


def values_table(m: Matrix) -> Table:
    """The values behind the ranks: mean estimate [95% t-interval], or diverging."""
    headers = ["trained with"] + [f"{c} ↓" for c in m.columns]
    rows = [[Cell(label)] + [Cell(_value(m, i, j)) for j in range(len(m.columns))] for i, label in enumerate(m.rows)]
    if m.reference is not None:
        headers.append("KL(p‖q) k-NN reference")
        for i, row in enumerate(rows):
            ref = m.reference[i]
            row.append(Cell(_num(float(ref.mean())) if ref.size else NONE))
    return Table(
        headers,
        rows,
        caption=(
            f"{m.dataset}: the held-out estimates behind the ranks, in nats, mean over complete seeds [95% "
            f"t-interval]; {DIVERGING} k/n = the critic of k of n seeds was diverging (no mean is taken); ≥ x "
            f"({RISING} k/n) = the critic of k of n seeds was still rising at max_steps, x the mean of the seeds' "
            "estimates, a lower bound on the cell's mean divergence (not ranked); nc k/n = the critic of k of n "
            "seeds had otherwise not converged. Every estimate is a lower bound on its divergence."
        ),
        align="l" + "r" * (len(headers) - 1),
    )


def gap_table(m: Matrix) -> Table | None:
    """Each training critic's own final estimate beside the independent critic's estimate
    of the same objective's divergence at the same (final) step, on the same samples."""
    rows = []
    for i, j in m.diagonal():
        ts = [
            t
            for t in m.trials[i]
            if math.isfinite(t.value("estimate"))
            and math.isfinite(t.value(key(m.columns[j])))
            and t.value(key(m.columns[j], "diverging")) != 1.0
        ]
        if not ts:
            continue
        own = np.array([t.value("estimate") for t in ts])
        fresh = np.array([t.value(key(m.columns[j])) for t in ts])
        gap = own - fresh
        lo, hi = t_interval(gap)
        share = float(np.mean(own) / np.mean(fresh)) if np.mean(fresh) != 0 else math.nan
        rows.append(
            [
                Cell(m.rows[i]),
                Cell(str(len(ts))),
                Cell(_num(float(own.mean()))),
                Cell(_num(float(fresh.mean()))),
                Cell(f"{_num(float(gap.mean()))} [{_num(lo)}, {_num(hi)}]" if len(ts) > 1 else _num(float(gap.mean()))),
                Cell(f"{100 * share:.0f}%" if math.isfinite(share) else NONE),
            ]
        )
    if not rows:
        return None
    return Table(
        [
            "objective",
            "seeds",
            "training critic",
            "fresh critic",
            "gap (training - fresh) [95% t-interval]",
            "training/fresh",
        ],
        rows,
        caption=(
            f"{m.dataset}: the training critic's own estimate of its divergence at the final step against a fresh "
            "critic's estimate of the same divergence from the same generator, on the evaluation's samples "
            "(the fresh critic's on its held-out half). A training critic far below the fresh one under-estimates "
            "the divergence its generator is trained to minimise."
        ),
        align="lrrrrr",
    )


def sentences(m: Matrix, alpha: float = ALPHA) -> list[str]:
    """Im et al.'s two questions, answered from the numbers."""
    out = []
    a = agreement(m)
    if a is None:
        out.append(
            "Do the divergences agree? Not enough data: fewer than 3 objectives have an estimate in every column."
        )
    else:
        if a.p >= alpha:
            verdict = "Not measurably"
        elif a.w >= 0.7:
            verdict = "Largely, yes"
        elif a.w >= 0.4:
            verdict = "Partly"
        else:
            verdict = "Weakly"
        least = (
            f" The least alike are {a.least[0]} and {a.least[1]} (Spearman ρ = {a.least[2]:.2f})." if a.least else ""
        )
        out.append(
            f"Do the divergences agree? {verdict}: Kendall's W = {a.w:.2f} over {a.columns} divergences ranking "
            f"{a.rows} generators (Friedman p = {fmt_p(a.p)}; W = 1 would be identical rankings, 0 none shared); the "
            f"mean Spearman correlation between two divergences' rankings is {a.spearman:.2f}.{least}"
        )
    s = self_preference(m)
    if s is None:
        out.append(
            "Does training with X win under X? Not enough data: fewer than 2 objectives are both trained and judged."
        )
    else:
        first = [r for r, _, rank in s.pairs if rank == 1]
        verdict = "More often than chance" if s.p < alpha else "No more than chance would give"
        wins = f" ({', '.join(first)})" if first else ""
        out.append(
            f"Does training with X win under X? {verdict}: of the {len(s.pairs)} objectives both trained and judged, "
            f"{len(first)} rank first under their own divergence{wins}; their mean rank under their own divergence is "
            f"{s.mean_rank:.1f} of {s.rows} (a row picked at random averages {s.expected:.1f}); pairing these "
            f"objectives with these divergences at random gives a mean rank this low with p = {fmt_p(s.p)} "
            f"({PERMUTATIONS:,} permutations)."
        )
    budget = f"max_steps ({m.max_steps:,} updates)" if m.max_steps is not None else "their fixed budget"
    line = f"{m.converged()} of {m.critics()} critics converged within {budget}"
    line += f"; {int(m.diverging.sum())} diverging (support mismatch); {int(m.rising.sum())} still rising"
    if m.rising.sum():
        counts = ((int(m.rising[:, j].sum()), c) for j, c in enumerate(m.columns) if m.rising[:, j].sum())
        worst = sorted(counts, reverse=True)[:3]
        line += " (most in " + ", ".join(f"{c} {n}" for n, c in worst) + "; lower bounds, cells unranked)"
    if m.moving():
        line += f"; {m.moving()} otherwise still moved by more than a standard error over the last window"
    out.append(line + ".")
    cells = [(m.rows[i], m.columns[j]) for i, j in zip(*np.nonzero(m.diverging), strict=True)]
    if cells:
        out.append(
            f"{len(cells)} cells are {DIVERGING}: "
            + ", ".join(f"{r} by {c}" for r, c in cells[:6])
            + (f" and {len(cells) - 6} more" if len(cells) > 6 else "")
            + ". There an estimate rose above what density ratios within [1/n, n] allow (n held-out samples per side): "
            "the divergence is infinite because the generator misses part of the data's support (or puts mass outside "
            "it); it is ranked last and averaged into nothing."
        )
    return out


def heat_map(
    mean: np.ndarray,
    ranks: np.ndarray,
    diverging: np.ndarray,
    rising: np.ndarray,
    diagonal: list[tuple[int, int]],
    columns: list[str],
    rows: list[str],
) -> Any:
    """Within-column ranks as colours (light = lowest divergence), the mean estimates written
    in the cells ("div." where diverging, "rising" where still rising: unranked), the diagonal
    framed.  Plain arrays in, so a drawing worker needs no results."""
    with matplotlib.rc_context({"font.size": 8}):
        n, k = mean.shape
        fig, ax = plt.subplots(figsize=(1.0 + 0.75 * k, 0.9 + 0.38 * n))
        scaled = (ranks - 1) / max(1, n - 1)
        ax.imshow(np.ma.masked_invalid(scaled), cmap="viridis_r", vmin=0, vmax=1, aspect="auto")
        for i in range(n):
            for j in range(k):
                colour = "white" if scaled[i, j] > 0.55 else "black"
                # the mean is NaN where a cell is diverging or still rising
                text = _num(mean[i, j]) if math.isfinite(mean[i, j]) else ""
                text = "div." if diverging[i, j] else "rising" if rising[i, j] else text
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
        for i, j in diagonal:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=1.6))
        ax.set_xticks(range(k), columns, rotation=45, ha="right")
        ax.set_yticks(range(n), rows)
        ax.set_xlabel("judged by (fresh critic)")
        ax.set_ylabel("trained with")
        ax.grid(False)
        fig.tight_layout()
        return fig


def blocks(suite: SuiteView, dataset: str, level: int, slug: str, figures: bool = True) -> list[Block | Job]:
    """The divergence matrix section of ``dataset``, the metric's report section
    (:mod:`ganbench.report.sections`) (no blocks if the suite did not record it);
    the heat map is a :class:`Job`, drawn with the report's other figures."""
    m = matrix(suite, dataset)
    if m is None:
        return []
    out: list[Any] = [
        Heading(f"{dataset}: every generator judged by every divergence", level, anchor=f"{slug}-divergences"),
        Paragraph(
            "At each trial's final step its generator was frozen and one fresh critic per divergence trained on half "
            "of the evaluation's samples (the suite's critic architecture, all critics of a generator as one batched "
            "program) until its estimate on the other, held-out half settled within its standard error without "
            "rising at each of its last checks, or up to max_steps; each estimate is the objective's own variational "
            "estimate on that held-out half. A trained critic only bounds its divergence from below, loosely where "
            "it is weak; lower is closer to the data under that divergence."
        ),
        rank_table(m),
    ]
    if figures:
        out.append(
            Job(
                f"{slug}-divergences",
                f"{dataset}: the divergence matrix: colour = rank within the column (light = lowest divergence), "
                "number = mean estimate over seeds (div. = diverging, rising = still rising, unranked), "
                "red frame = trained and judged by the same "
                "objective.",
                heat_map,
                (m.mean, m.ranks, m.diverging, m.rising, m.diagonal(), m.columns, m.rows),
            )
        )
    out.append(values_table(m))
    out.append(Paragraph(" ".join(sentences(m))))
    if m.reference is not None:
        out.append(
            Paragraph(
                "The k-NN reference is KL(p‖q) with p the dataset's exact density and q estimated from the generated "
                "samples by their 5 nearest neighbours (Wang, Kulkarni & Verdú 2009): consistent where q has a "
                "density and the generated samples cover p's modes; where a generator misses a mode or collapses "
                "onto a curve the true KL(p‖q) is effectively infinite and no finite number is reliable."
            )
        )
    gaps = gap_table(m)
    if gaps is not None:
        out.append(gaps)
    return out


__all__: Sequence[str] = [
    "PERMUTATIONS",
    "Agreement",
    "Matrix",
    "SelfPreference",
    "agreement",
    "blocks",
    "matrix",
    "rank_table",
    "self_preference",
    "values_table",
]
