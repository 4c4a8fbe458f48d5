"""The divergence matrix's numbers: per dataset, training objective (rows) × evaluation
divergence (columns), from what the ``divergences`` metric recorded at each trial's final
evaluation (:mod:`ganbench.metrics.divergences`), and the two questions of Im et al. (2018)
asked of it.

A cell is *diverging* when the critic of any of its seeds was recorded as diverging (its
estimate rose above what density ratios within [1/n, n] allow: the divergence is infinite
under a support mismatch): it has no mean and no interval, and it ranks last in its column,
tied with any other diverging cell (its divergence exceeds every finite one there). A cell
that is not diverging but where the critic of any seed was *still rising* at max_steps has
no mean and no rank either: its estimates are lower bounds that the budget cut short, so
only their mean is kept (``bound``), as a lower bound on the cell's mean divergence, shown
as such and never ranked or averaged into a comparison. Every other cell is the mean
held-out estimate over complete seeds with a 95% t-interval, ranked within its column
(1 = the lowest divergence); an unconverged critic there (it moved by more than its standard
error, without rising at each of its last checks) is counted beside its cell.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import stats

from ganbench.metrics.divergences import REFERENCE, Divergences, key
from ganbench.report.sections import SuiteView, TrialView
from ganbench.report.statistics.describe import t_interval

METRIC = Divergences.name
#: Monte-Carlo permutations of the self-preference test (fixed RNG: a report is reproducible)
PERMUTATIONS = 9999


@dataclasses.dataclass
class Matrix:
    """Training objectives (rows, by label) × evaluation divergences (columns, by objective name)."""

    dataset: str
    rows: list[str]
    row_names: list[str]  # each row's objective name: the diagonal is where it equals a column
    columns: list[str]
    values: list[list[np.ndarray]]  # per-seed finite estimates of complete trials, [row][column]
    flagged: np.ndarray  # seeds whose critic had not converged, rows × columns
    diverging: np.ndarray  # seeds whose critic was diverging (support mismatch), rows × columns
    rising: np.ndarray  # seeds whose critic was unconverged and still rising (not diverging), rows × columns
    bound: np.ndarray  # where a seed was still rising (and none diverging): the mean estimate, a lower bound
    mean: np.ndarray  # NaN where diverging or still rising
    low: np.ndarray
    high: np.ndarray
    ranks: np.ndarray  # within each column, 1 = lowest mean, diverging tied last; NaN: no value or still rising
    trials: list[list[TrialView]]  # complete trials per row
    reference: list[np.ndarray] | None  # per-seed KL(p‖q) k-NN references per row, if recorded
    max_steps: int | None  # the critics' largest budget (None: recorded by a fixed-budget version)

    def critics(self) -> int:
        """How many critics judged the complete trials: seeds × columns, over the rows."""
        return sum(len(ts) for ts in self.trials) * len(self.columns)

    def converged(self) -> int:
        """How many of those critics converged within their budget."""
        return self.critics() - int(self.flagged.sum())

    def row_converged(self, i: int) -> tuple[int, int]:
        """Row i's converged critics and its critics."""
        total = len(self.trials[i]) * len(self.columns)
        return total - int(self.flagged[i].sum()), total

    def column_converged(self, j: int) -> tuple[int, int]:
        """Column j's converged critics and its critics."""
        total = sum(len(ts) for ts in self.trials)
        return total - int(self.flagged[:, j].sum()), total

    def moving(self) -> int:
        """How many critics were unconverged but neither diverging nor still rising."""
        return int((self.flagged - self.diverging - self.rising).sum())

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
    diverging = np.zeros(shape, dtype=int)
    rising = np.zeros(shape, dtype=int)
    bound = np.full(shape, np.nan)
    values: list[list[np.ndarray]] = []
    for i, ts in enumerate(trials):
        values.append([])
        for j, c in enumerate(columns):
            v = np.array([t.value(key(c)) for t in ts])
            v = v[np.isfinite(v)]
            values[i].append(v)
            flagged[i, j] = sum(t.value(key(c, "converged")) == 0.0 for t in ts)
            diverging[i, j] = sum(t.value(key(c, "diverging")) == 1.0 for t in ts)
            rising[i, j] = sum(t.value(key(c, "rising")) == 1.0 and t.value(key(c, "diverging")) != 1.0 for t in ts)
            if v.size and not diverging[i, j] and rising[i, j]:
                bound[i, j] = float(v.mean())
            elif v.size and not diverging[i, j]:
                mean[i, j] = float(v.mean())
                low[i, j], high[i, j] = t_interval(v)
    ranks = np.full(shape, np.nan)
    score = np.where(diverging > 0, np.inf, mean)
    for j in range(len(columns)):
        ok = ~np.isnan(score[:, j])
        ranks[ok, j] = stats.rankdata(score[ok, j])
    reference = None
    if any(math.isfinite(t.value(REFERENCE)) for ts in trials for t in ts):
        reference = [np.array([t.value(REFERENCE) for t in ts if math.isfinite(t.value(REFERENCE))]) for ts in trials]
    cells = (values, flagged, diverging, rising, bound, mean, low, high, ranks)
    return Matrix(dataset, rows, names, columns, *cells, trials, reference, _max_steps(suite))


def _max_steps(suite: SuiteView) -> int | None:
    """The metric's ``max_steps`` in the first config that has the metric (None if it has none)."""
    for t in suite.trials:
        for m in t.config.get("metrics", []):
            if m.get("name") == METRIC:
                steps = m.get("params", {}).get("max_steps")
                return int(steps) if steps is not None else None
    return None


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
    """Kendall's W of the columns' rankings of the rows ranked in every column (a diverging
    cell ranks last; a column in which those rows all tie, every one diverging, is left out).
    W = χ²_F / (m (n - 1)) with χ²_F scipy's Friedman statistic, the m columns as blocks
    and the n rows as treatments (Kendall & Babington Smith 1939; with no ties the two are
    the same statistic). None with fewer than 3 such rows or 2 columns."""
    full = np.all(np.isfinite(m.ranks), axis=1)
    x = m.ranks[full]
    x = x[:, np.ptp(x, axis=0) > 0] if len(x) else x  # a column of ties (all diverging) ranks nothing
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
    names = [c for c, keep in zip(m.columns, np.ptp(m.ranks[full], axis=0) > 0, strict=True) if keep]
    return Agreement(w, float(p), mean_rho, (names[a], names[b], r), n, k)


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
    ranked = int(np.sum(np.isfinite(m.ranks[:, cols[0]])))
    pairs = [(m.rows[i], m.columns[j], float(m.ranks[i, j])) for i, j in diag]
    return SelfPreference(pairs, observed, (ranked + 1) / 2, p, ranked)
