"""Statistics for comparing objectives over seeds, on scipy alone.

* :func:`bootstrap_ci`: a percentile-bootstrap confidence interval of the mean
  (``scipy.stats.bootstrap``, fixed RNG, so a report is reproducible).
* :func:`rank_test`: Demšar's (2006) procedure for k objectives measured on N
  blocks (here: seeds): mean ranks, the Friedman test
  (``scipy.stats.friedmanchisquare``), the Nemenyi all-pairs post-hoc test and its
  critical difference, from the studentized range distribution
  (``scipy.stats.studentized_range`` with infinite degrees of freedom, as in
  scikit-posthocs' ``posthoc_nemenyi_friedman``).
* :func:`two_sample` and :func:`holm`: unpaired two-sample tests (Welch's t or
  Mann–Whitney U) and Holm's step-down correction, for ``ganbench compare``.

Every function answers "not enough data" with a reason instead of raising.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

ALPHA = 0.05
#: scipy >= 1.15 takes ``rng``; older versions ``random_state``
_RNG_KW = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def bootstrap_ci(
    values: Sequence[float] | np.ndarray, level: float = 0.95, n_resamples: int = 9999, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap CI of the mean of the finite ``values``; (nan, nan) if there are none.

    With one value, or identical values, the interval is that value.  With a handful
    of seeds a bootstrap interval lies within the observed range and understates the
    uncertainty: read it as a description of the seeds, not a guarantee."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (math.nan, math.nan)
    if x.size == 1 or np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    result = stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=level,
        n_resamples=n_resamples,
        method="percentile",
        vectorized=True,
        **{_RNG_KW: np.random.default_rng(seed)},
    )
    ci = result.confidence_interval
    return (float(ci.low), float(ci.high))


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank each row (block) of ``scores`` (higher is better): 1 = best, ties share the average rank."""
    return stats.rankdata(-np.asarray(scores, dtype=float), axis=1)


def nemenyi_cd(k: int, n: int, alpha: float = ALPHA) -> float:
    """Critical difference of mean ranks for k objectives on n blocks (Demšar 2006, eq. 5)."""
    q_alpha = float(stats.studentized_range.ppf(1 - alpha, k, np.inf)) / math.sqrt(2)
    return q_alpha * math.sqrt(k * (k + 1) / (6.0 * n))


def nemenyi_p(mean_ranks: np.ndarray, n: int) -> np.ndarray:
    """Pairwise Nemenyi p-values (k × k) from mean ranks over n blocks."""
    r = np.asarray(mean_ranks, dtype=float)
    k = r.size
    se = math.sqrt(k * (k + 1) / (12.0 * n))  # standard error of a mean rank
    q = np.abs(r[:, None] - r[None, :]) / se
    p = np.asarray(stats.studentized_range.sf(q, k, np.inf), dtype=float)
    p = np.clip(p, 0.0, 1.0)
    np.fill_diagonal(p, 1.0)
    return p


@dataclasses.dataclass
class RankTest:
    """Friedman + Nemenyi on one metric: ``objectives`` in input order, ``scores`` (N blocks × k)."""

    objectives: list[str]
    n_blocks: int
    mean_ranks: np.ndarray  # per objective, 1 = best; empty if no block
    statistic: float = math.nan
    p_value: float = math.nan
    cd: float = math.nan
    pairwise_p: np.ndarray | None = None
    reason: str = ""  # why there is no test ("not enough data: ..."), or "" when there is one
    all_tied: bool = False
    alpha: float = ALPHA

    @property
    def tested(self) -> bool:
        return not self.reason

    @property
    def rejects(self) -> bool:
        """The Friedman test rejects "every objective is equally good" at ``alpha``."""
        return self.tested and self.p_value < self.alpha

    def order(self) -> list[int]:
        """Objective indices, best mean rank first (ties keep input order)."""
        return sorted(range(len(self.objectives)), key=lambda i: (self.mean_ranks[i], i))

    def significant_pairs(self) -> list[tuple[str, str, float]]:
        """(better, worse, Nemenyi p) for each pair that differs at ``alpha``, only when Friedman rejects."""
        if not self.rejects or self.pairwise_p is None:
            return []
        out = []
        order = self.order()
        for a_pos, i in enumerate(order):
            for j in order[a_pos + 1 :]:
                if self.pairwise_p[i, j] < self.alpha:
                    out.append((self.objectives[i], self.objectives[j], float(self.pairwise_p[i, j])))
        return out


def rank_test(scores: np.ndarray, objectives: Sequence[str], alpha: float = ALPHA) -> RankTest:
    """Demšar's procedure on ``scores`` (N blocks × k objectives, higher is better).

    NaN and -inf both mean "the worst possible result" (a diverged or failed run):
    such entries rank last in their block, tied with each other."""
    x = np.asarray(scores, dtype=float).reshape(-1, len(objectives))
    x = np.where(np.isnan(x), -np.inf, x)
    n, k = x.shape
    test = RankTest(list(objectives), n, np.full(k, math.nan), alpha=alpha)
    if n == 0:
        test.reason = "not enough data: no seed has a finished trial of every objective"
        return test
    r = ranks(x)
    test.mean_ranks = r.mean(axis=0)
    if k < 3:
        test.reason = f"not enough data: the Friedman test needs at least 3 objectives (have {k})"
        return test
    if n < 2:
        test.reason = (
            f"not enough data: the Friedman test needs at least 2 seeds with every objective finished (have {n})"
        )
        return test
    test.cd = nemenyi_cd(k, n, alpha)
    if all(np.all(row == row[0]) for row in r):
        test.all_tied, test.statistic, test.p_value = True, 0.0, 1.0
        test.pairwise_p = np.ones((k, k))
        return test
    # scipy ranks the raw values itself (ties corrected); -inf ranks below every finite value
    result = stats.friedmanchisquare(*(x[:, j] for j in range(k)))
    test.statistic, test.p_value = float(result.statistic), float(result.pvalue)
    test.pairwise_p = nemenyi_p(test.mean_ranks, n)
    return test


def cliques(mean_ranks: np.ndarray, cd: float) -> list[list[int]]:
    """Maximal groups of objectives (indices, sorted by rank) whose mean ranks span less
    than ``cd``: the bars of a critical-difference diagram.  Singletons are omitted."""
    order = sorted(range(len(mean_ranks)), key=lambda i: mean_ranks[i])
    groups: list[list[int]] = []
    for start in range(len(order)):
        end = start
        while end + 1 < len(order) and mean_ranks[order[end + 1]] - mean_ranks[order[start]] < cd:
            end += 1
        group = order[start : end + 1]
        if len(group) > 1 and not any(set(group) <= set(g) for g in groups):
            groups.append(group)
    return groups


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values; NaN entries stay NaN and do not count as tests."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, math.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = idx.size
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    running = 0.0
    for pos, i in enumerate(order):
        running = max(running, min(1.0, (m - pos) * p[i]))
        out[i] = running
    return out


TESTS = ("welch", "mannwhitney")


def two_sample(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, test: str = "welch"
) -> tuple[float, str]:
    """Two-sided p-value that samples ``a`` and ``b`` come from the same population, and a note.

    Returns (nan, reason) when the test cannot say anything."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; choose from {', '.join(TESTS)}")
    if x.size == 0 or y.size == 0:
        return math.nan, "no finished run on one side"
    if test == "welch":
        if x.size < 2 or y.size < 2:
            return math.nan, "needs 2 runs per side"
        if np.ptp(x) == 0 and np.ptp(y) == 0:
            if x[0] == y[0]:
                return 1.0, ""
            return math.nan, "no spread on either side"
        with warnings.catch_warnings():  # nearly identical samples: scipy warns, the p-value is still right
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(stats.ttest_ind(x, y, equal_var=False).pvalue), ""
    if np.all(np.concatenate([x, y]) == x[0]):
        return 1.0, ""
    p = float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
    floor = 2.0 / math.comb(x.size + y.size, x.size)
    return p, f"smallest attainable p is {floor:.2g}" if floor >= ALPHA else ""
