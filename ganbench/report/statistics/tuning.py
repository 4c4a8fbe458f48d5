"""The statistics of a hyperparameter search, on numpy and scipy alone.

* :func:`expected_best`: the expected best score (and its standard deviation) of ``n``
  configurations drawn without replacement from the ``N`` observed ones: the unbiased
  estimator of Dodge et al. 2019 ("Show Your Work") as corrected by Tang et al. 2020, who
  show that drawing with replacement is biased.  With the scores sorted best-last, the best
  of ``n`` draws is the ``i``-th of them with probability C(i-1, n-1) / C(N, n).
* :func:`wilson`: the 95% Wilson score interval of a binomial share (scipy's).
* :func:`kendall`: Kendall's τ between two rankings, with its p-value (scipy's).
* :func:`ranks`: 1 = best; a missing value ranks last.
* :func:`within`: which scores lie within a relative tolerance of a best score.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

LEVEL = 0.95


def _best_last(scores: ArrayLike, direction: str) -> np.ndarray:
    if direction not in ("min", "max"):
        raise ValueError(f"direction must be 'min' or 'max', not {direction!r}")
    v = np.sort(np.asarray(scores, dtype=float))
    if not np.all(np.isfinite(v)):
        raise ValueError("expected_best needs finite scores (give diverged or failed ones a value first)")
    return v if direction == "max" else v[::-1]


def selection_probabilities(big_n: int, n: int) -> np.ndarray:
    """P(the best of ``n`` draws without replacement is the ``i``-th of ``big_n`` sorted best-last),
    i = 1..big_n: C(i-1, n-1) / C(big_n, n), from exact integers (one rounding per entry)."""
    if not 1 <= n <= big_n:
        raise ValueError(f"n must be in 1..{big_n}, not {n}")
    total = math.comb(big_n, n)
    return np.array([math.comb(i - 1, n - 1) / total for i in range(1, big_n + 1)])


def expected_best(scores: ArrayLike, n: int, direction: str) -> tuple[float, float]:
    """(mean, sd) of the best of ``n`` configurations drawn without replacement from ``scores``
    (``direction`` "max": higher is better, "min": lower is better)."""
    v = _best_last(scores, direction)
    p = selection_probabilities(v.size, n)
    mean = float(np.sum(p * v))
    var = float(np.sum(p * (v - mean) ** 2))
    return mean, math.sqrt(max(var, 0.0))


def expected_best_curve(scores: ArrayLike, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`expected_best` for n = 1 .. len(scores): (means, sds)."""
    pairs = [expected_best(scores, n, direction) for n in range(1, np.size(scores) + 1)]
    return np.array([m for m, _ in pairs]), np.array([s for _, s in pairs])


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of ``successes``/``n`` (NaNs for n = 0)."""
    if n == 0:
        return (math.nan, math.nan)
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def kendall(a: ArrayLike, b: ArrayLike) -> tuple[float, float]:
    """Kendall's τ-b between two rankings of the same items, and its p-value (NaNs with fewer
    than two items or a constant ranking)."""
    if np.size(a) < 2:
        return (math.nan, math.nan)
    result = stats.kendalltau(a, b)
    return float(result.statistic), float(result.pvalue)


def ranks(means: ArrayLike, direction: str) -> np.ndarray:
    """Rank of each mean, 1 = best, ties averaged; a missing (NaN) mean ranks last (tied with
    the other missing ones)."""
    x = np.asarray(means, dtype=float)
    key = -x if direction == "max" else x.copy()
    key[~np.isfinite(key)] = np.inf
    return np.asarray(stats.rankdata(key), dtype=float)


def within(scores: ArrayLike, best: float, tolerance: float) -> np.ndarray:
    """Which scores lie within ``tolerance`` of ``best`` relatively: |v − best| ≤ tolerance·|best|
    (a missing score never does)."""
    v = np.asarray(scores, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(v) & (np.abs(v - best) <= tolerance * abs(best))
