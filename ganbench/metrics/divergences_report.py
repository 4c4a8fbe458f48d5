"""The divergence matrix: every generator judged by every divergence (Im et al. 2018).

Reads what the ``divergences`` metric recorded at each trial's final evaluation (see
:mod:`ganbench.metrics.divergences`) and makes, per dataset: a table and a heat map of
training objective (rows) × evaluation divergence (columns), each cell the mean held-out
estimate over complete seeds with a 95% t-interval (as every report table), ranked within its column
(1 = the lowest divergence: the generator closest to the data by that measure), the
diagonal ("trained with X, judged by X") marked; the agreement of the columns' rankings
(Kendall's W from scipy's Friedman statistic, mean Spearman correlation); a permutation
test of whether training with X wins under X; and each training critic's own estimate
beside the independent critic's estimate of the same divergence at the same step.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from ganbench.metrics.divergences import REFERENCE, Divergences, key
from ganbench.report.figures.drawing import Job
from ganbench.report.fmt import NONE, fmt, fmt_p
from ganbench.report.rendering.document import Block, Cell, Heading, Paragraph, Table
from ganbench.report.sections import SuiteView, TrialView
from ganbench.report.statistics.describe import ALPHA, t_interval

METRIC = Divergences.name
#: Monte-Carlo permutations of the self-preference test (fixed RNG: a report is reproducible)
PERMUTATIONS = 9999


def _num(x: float) -> str:
    """An estimate in nats: scientific notation from 10,000 (a matrix cell is narrow)."""
    return fmt(x, large=1e4)


@dataclasses.dataclass
class Matrix:
    """Training objectives (rows, by label) × evaluation divergences (columns, by objective name)."""

    dataset: str
    rows: list[str]
    row_names: list[str]  # each row's objective name: the diagonal is where it equals a column
    columns: list[str]
    values: list[list[np.ndarray]]  # per-seed finite estimates of complete trials, [row][column]
    flagged: np.ndarray  # seeds whose critic had not converged, rows × columns
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    ranks: np.ndarray  # within each column, 1 = lowest mean; NaN where no value
    trials: list[list[TrialView]]  # complete trials per row
    reference: list[np.ndarray] | None  # per-seed KL(p‖q) k-NN references per row, if recorded

    def diagonal(self) -> list[tuple[int, int]]:
        return [(i, self.columns.index(n)) for i, n in enumerate(self.row_names) if n in self.columns]


def judged_columns(suite: SuiteView) -> list[str]:
    """The objectives the suite's ``divergences`` metric names, in its order (first config that has it)."""
    for t in suite.trials:
        for m in t.config.get("metrics", []):
            if m.get("name") == METRIC:
                return [str(o) for o in m.get("params", {}).get("objectives", [])]
    return []


def matrix(suite: SuiteView, dataset: str) -> Matrix | None:
    """The matrix of ``dataset`` (None if no complete trial recorded the metric)."""
    columns = judged_columns(suite)
    rows = [o for o in suite.objectives if any(t.dataset == dataset and t.objective == o for t in suite.trials)]
    trials = [
        [t for t in suite.trials if t.dataset == dataset and t.objective == o and t.status == "complete"] for o in rows
    ]
    if not columns or not any(math.isfinite(t.value(key(c))) for ts in trials for t in ts for c in columns):
        return None
    names = [_objective_name(suite, dataset, r) for r in rows]
    shape = (len(rows), len(columns))
    mean, low, high = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    flagged = np.zeros(shape, dtype=int)
    values: list[list[np.ndarray]] = []
    for i, ts in enumerate(trials):
        values.append([])
        for j, c in enumerate(columns):
            v = np.array([t.value(key(c)) for t in ts])
            v = v[np.isfinite(v)]
            values[i].append(v)
            flagged[i, j] = sum(t.value(key(c, "converged")) == 0.0 for t in ts)
            if v.size:
                mean[i, j] = float(v.mean())
                low[i, j], high[i, j] = t_interval(v)
    ranks = np.full(shape, np.nan)
    for j in range(len(columns)):
        ok = np.isfinite(mean[:, j])
        ranks[ok, j] = stats.rankdata(mean[ok, j])
    reference = None
    if any(math.isfinite(t.value(REFERENCE)) for ts in trials for t in ts):
        reference = [np.array([t.value(REFERENCE) for t in ts if math.isfinite(t.value(REFERENCE))]) for ts in trials]
    return Matrix(dataset, rows, names, columns, values, flagged, mean, low, high, ranks, trials, reference)


def _objective_name(suite: SuiteView, dataset: str, label: str) -> str:
    """The registered name of the objective a row's trials trained with (its label if unknown)."""
    found = (t.config for t in suite.trials if t.dataset == dataset and t.objective == label and t.config)
    return next((str(c["objective"]["name"]) for c in found), label)


# ------------------------------------------------------------------ the two questions


@dataclasses.dataclass
class Agreement:
    """How far the columns rank the rows alike: Kendall's W (0 none, 1 identical rankings)."""

    w: float
    p: float  # Friedman test of "no agreement"
    spearman: float  # mean Spearman correlation over pairs of columns
    least: tuple[str, str, float] | None  # the pair of columns that agree least
    rows: int
    columns: int


def agreement(m: Matrix) -> Agreement | None:
    """Kendall's W of the columns' rankings of the rows that have a mean in every column.
    W = χ²_F / (m (n - 1)) with χ²_F scipy's Friedman statistic, the m columns as blocks
    and the n rows as treatments (Kendall & Babington Smith 1939; with no ties the two are
    the same statistic). None with fewer than 3 such rows or 2 columns."""
    full = np.all(np.isfinite(m.mean), axis=1)
    x = m.mean[full]
    n, k = x.shape
    if n < 3 or k < 2:
        return None
    chi2, p = stats.friedmanchisquare(*x)
    w = float(chi2) / (k * (n - 1))
    rho = stats.spearmanr(x).statistic if k > 2 else np.array([[1.0, stats.spearmanr(x[:, 0], x[:, 1]).statistic]])
    rho = np.atleast_2d(rho)
    pairs = [(a, b, float(rho[a, b])) for a in range(k) for b in range(a + 1, k)]
    mean_rho = float(np.mean([r for _, _, r in pairs]))
    a, b, r = min(pairs, key=lambda t: t[2])
    return Agreement(w, float(p), mean_rho, (m.columns[a], m.columns[b], r), n, k)


@dataclasses.dataclass
class SelfPreference:
    """Where each objective that is both trained and judged ranks under its own divergence."""

    pairs: list[tuple[str, str, float]]  # (row label, column, rank)
    mean_rank: float
    expected: float  # (n + 1)/2: the mean rank of a row picked at random
    p: float  # P(mean diagonal rank <= observed) under random pairings of these rows and columns
    rows: int


def self_preference(m: Matrix, permutations: int = PERMUTATIONS, seed: int = 0) -> SelfPreference | None:
    """The diagonal's ranks, and a permutation test: pair the diagonal's rows with its
    columns at random (``permutations`` times, fixed RNG) and count pairings whose mean
    rank is at most the observed one. None with fewer than 2 diagonal cells."""
    diag = [(i, j) for i, j in m.diagonal() if math.isfinite(m.ranks[i, j])]
    if len(diag) < 2:
        return None
    rows = np.array([i for i, _ in diag])
    cols = np.array([j for _, j in diag])
    observed = float(np.mean(m.ranks[rows, cols]))
    rng = np.random.default_rng(seed)
    perm = np.argsort(rng.random((permutations, len(rows))), axis=1)
    null = np.nanmean(m.ranks[rows[perm], cols[None, :]], axis=1)
    p = float((1 + np.sum(null <= observed + 1e-12)) / (1 + permutations))
    ranked = int(np.sum(np.isfinite(m.mean[:, cols[0]])))
    pairs = [(m.rows[i], m.columns[j], float(m.ranks[i, j])) for i, j in diag]
    return SelfPreference(pairs, observed, (ranked + 1) / 2, p, ranked)


# ------------------------------------------------------------------ blocks


def _cell(m: Matrix, i: int, j: int) -> Cell:
    v = m.values[i][j]
    if v.size == 0:
        return Cell(NONE)
    text = _num(m.mean[i, j]) if v.size == 1 else f"{_num(m.mean[i, j])} [{_num(m.low[i, j])}, {_num(m.high[i, j])}]"
    diag = (i, j) in m.diagonal()
    text += f" ({int(m.ranks[i, j]) if m.ranks[i, j] == int(m.ranks[i, j]) else m.ranks[i, j]}{'*' if diag else ''})"
    if m.flagged[i, j]:
        text += f" nc {m.flagged[i, j]}/{len(m.trials[i])}"
    return Cell(text, best=bool(m.ranks[i, j] == np.nanmin(m.ranks[:, j])))


def matrix_table(m: Matrix) -> Table:
    headers = ["trained with", "seeds"] + [f"{c} ↓" for c in m.columns]
    rows = []
    for i, label in enumerate(m.rows):
        rows.append([Cell(label), Cell(str(len(m.trials[i])))] + [_cell(m, i, j) for j in range(len(m.columns))])
    if m.reference is not None:
        headers.append("KL(p‖q) k-NN reference")
        for i, row in enumerate(rows):
            ref = m.reference[i]
            row.append(Cell(_num(float(ref.mean())) if ref.size else NONE))
    return Table(
        headers,
        rows,
        caption=(
            f"{m.dataset}: each generator (row: its training objective) judged by a fresh critic per divergence "
            "(column), held-out estimate in nats, mean over complete seeds [95% t-interval]; (r) its rank in the "
            "column, 1 = lowest divergence, bold = rank 1 (the lowest mean, not a significance claim: the "
            "intervals say how far apart the rows are); * = trained with this objective (the diagonal); nc k/n = the "
            "critic of k of n seeds had not converged. Every estimate is a lower bound on its divergence."
        ),
        align="lr" + "r" * (len(headers) - 2),
    )


def gap_table(m: Matrix) -> Table | None:
    """Each training critic's own final estimate beside the independent critic's estimate
    of the same objective's divergence at the same (final) step, on the same samples."""
    rows = []
    for i, j in m.diagonal():
        ts = [
            t for t in m.trials[i] if math.isfinite(t.value("estimate")) and math.isfinite(t.value(key(m.columns[j])))
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
    flagged, total = int(m.flagged.sum()), sum(len(m.trials[i]) for i in range(len(m.rows))) * len(m.columns)
    if flagged:
        worst = sorted(
            ((int(m.flagged[:, j].sum()), c) for j, c in enumerate(m.columns) if m.flagged[:, j].sum()), reverse=True
        )
        out.append(
            f"{flagged} of {total} critics had not converged (their held-out estimate still moved by more than the "
            "tolerance over the last window): most in "
            + ", ".join(f"{c} ({n})" for n, c in worst[:3])
            + ". Those estimates are looser lower bounds, and their column's ranking less certain."
        )
    return out


def heat_map(
    mean: np.ndarray, ranks: np.ndarray, diagonal: list[tuple[int, int]], columns: list[str], rows: list[str]
) -> Any:
    """Within-column ranks as colours (light = lowest divergence), the mean estimates written
    in the cells, the diagonal framed.  Plain arrays in, so a drawing worker needs no results."""
    with matplotlib.rc_context({"font.size": 8}):
        n, k = mean.shape
        fig, ax = plt.subplots(figsize=(1.0 + 0.75 * k, 0.9 + 0.38 * n))
        scaled = (ranks - 1) / max(1, n - 1)
        ax.imshow(np.ma.masked_invalid(scaled), cmap="viridis_r", vmin=0, vmax=1, aspect="auto")
        for i in range(n):
            for j in range(k):
                if math.isfinite(mean[i, j]):
                    colour = "white" if scaled[i, j] > 0.55 else "black"
                    ax.text(j, i, _num(mean[i, j]), ha="center", va="center", fontsize=7, color=colour)
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
            "program); each estimate is the objective's own variational estimate on the other, held-out half. A "
            "trained critic only bounds its divergence from below, loosely where it is weak; lower is closer to "
            "the data under that divergence."
        ),
        matrix_table(m),
    ]
    if figures:
        out.append(
            Job(
                f"{slug}-divergences",
                f"{dataset}: the divergence matrix: colour = rank within the column (light = lowest divergence), "
                "number = mean estimate over seeds, red frame = trained and judged by the same objective.",
                heat_map,
                (m.mean, m.ranks, m.diagonal(), m.columns, m.rows),
            )
        )
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


__all__: Sequence[str] = ["Agreement", "Matrix", "SelfPreference", "agreement", "blocks", "matrix", "self_preference"]
