"""Describing a handful of seeds honestly, on scipy alone.

* :class:`Summary`: the values of one objective on one figure, with their mean,
  standard deviation and a Student-t interval of the mean.  The t-interval keeps
  its coverage at 3 seeds for normal data (exactly 95 %) and stays near it for
  skewed data; a percentile bootstrap of 3 seeds is the min–max of the seeds and
  covers about three times in four (``tests/report/test_report_stats.py`` simulates both).
* :func:`best_set`: the objectives a table marks: the best mean and every
  objective not separated from it by a one-sided Welch t-test, Holm-corrected
  within the column; nothing when no objective is separated from the best.
* :func:`holm`: Holm's step-down adjusted p-values.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

ALPHA = 0.05
LEVEL = 0.95
INTERVAL = "95% t-interval of the mean"
BEST_RULE = (
    "bold: the best mean and every objective not separated from it by a one-sided Welch t-test "
    "(Holm-corrected within the column, α = {alpha:g}); no bold: no objective is separated from the best"
)


def t_interval(values: Any, level: float = LEVEL) -> tuple[Any, Any]:
    """Student-t interval of the mean along the last axis: mean ± t(level, n−1)·sd/√n.

    A 1-D input drops non-finite values first and returns floats: (nan, nan) for no value,
    (x, x) for one value or identical values.  An (..., n) array of finite values returns arrays."""
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[np.isfinite(x)]
        if x.size == 0:
            return (math.nan, math.nan)
        if x.size == 1 or np.all(x == x[0]):
            return (float(x[0]), float(x[0]))
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(axis=-1, ddof=1) / math.sqrt(n)
    lo, hi = mean - half, mean + half
    return (float(lo), float(hi)) if x.ndim == 1 else (lo, hi)


@dataclasses.dataclass
class Summary:
    """One objective's values of one figure over its complete runs, in seed order."""

    values: np.ndarray
    seeds: list[int]
    never: int = 0  # runs whose figure is 'never' (e.g. never captured every mode)

    @property
    def n(self) -> int:
        return int(self.values.size)

    @property
    def mean(self) -> float:
        return float(self.values.mean()) if self.n else math.nan

    @property
    def sd(self) -> float:
        return float(self.values.std(ddof=1)) if self.n > 1 else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return t_interval(self.values) if self.n > 1 else (math.nan, math.nan)


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


def worse_p(best: np.ndarray, other: np.ndarray, higher: bool) -> float:
    """One-sided Welch t-test p-value that ``other`` is worse than ``best``; NaN when untestable
    (fewer than 2 values a side).  With no spread on either side the answer is exact: 0 or 1."""
    if best.size < 2 or other.size < 2:
        return math.nan
    if np.ptp(best) == 0 and np.ptp(other) == 0:
        gap = (best[0] - other[0]) if higher else (other[0] - best[0])
        return 0.0 if gap > 0 else 1.0
    with warnings.catch_warnings():  # nearly identical samples: scipy warns, the p-value is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.ttest_ind(best, other, equal_var=False, alternative="greater" if higher else "less")
    return float(result.pvalue)


def best_set(samples: Sequence[np.ndarray], higher: bool, alpha: float = ALPHA) -> list[bool]:
    """Which samples to mark: the one with the best mean and every one not separated from it
    (see :data:`BEST_RULE`).  All False when none is separated, or fewer than two have values."""
    means = [float(np.mean(s)) if len(s) else math.nan for s in samples]
    present = [i for i, m in enumerate(means) if math.isfinite(m)]
    if len(present) < 2:
        return [False] * len(samples)
    best = (max if higher else min)(present, key=lambda i: means[i])
    others = [i for i in present if i != best]
    adjusted = holm([worse_p(np.asarray(samples[best]), np.asarray(samples[i]), higher) for i in others])
    separated = {i for i, p in zip(others, adjusted, strict=True) if math.isfinite(p) and p < alpha}
    if not separated:
        return [False] * len(samples)
    return [i in present and i not in separated for i in range(len(samples))]
