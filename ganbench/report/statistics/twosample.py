"""Two-sample tests for ``ganbench compare``, on scipy alone.

* :func:`compare_runs`: B against A on one figure.  When both sides ran the same seeds the
  runs are paired by seed (a paired t-test, or the Wilcoxon signed-rank test); otherwise
  they are independent samples (Welch's t, or the Mann–Whitney U test).
* :func:`min_detectable`: the smallest true difference the t-test would detect with 80 %
  power at the observed spread and number of runs (non-central t), the figure that says
  what "no significant difference" can and cannot rule out.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
from scipy import optimize, stats

ALPHA = 0.05
POWER = 0.8
TESTS = ("t", "rank")
NAMES = {
    ("t", True): "paired t-test",
    ("t", False): "Welch's t-test",
    ("rank", True): "Wilcoxon signed-rank test",
    ("rank", False): "Mann–Whitney U test",
}


@dataclasses.dataclass
class Outcome:
    p: float  # two-sided; NaN when the test cannot say anything
    paired: bool
    n: int  # pairs when paired, else the smaller side
    mde: float  # minimum detectable |Δ| at 80 % power, NaN when there is no spread to judge by
    note: str = ""


def _t_power(nc: float, df: float, alpha: float) -> float:
    """Power of the two-sided t-test at non-centrality ``nc`` (the true difference over its standard error)."""
    crit = stats.t.ppf(1 - alpha / 2, df)
    power = float(stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc))
    return power if math.isfinite(power) else 1.0  # scipy's nct gives up far beyond the critical value


def min_detectable(se: float, df: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """The |Δ| at which a two-sided t-test with standard error ``se`` and ``df`` degrees of
    freedom rejects with probability ``power`` (non-central t distribution)."""
    if not (se > 0 and df > 0 and math.isfinite(se)):
        return math.nan
    hi = 4.0
    while _t_power(hi, df, alpha) < power:
        hi *= 2
    nc = optimize.brentq(lambda x: _t_power(x, df, alpha) - power, 0.0, hi, xtol=1e-10)
    return float(nc) * se


def _welch_df(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1)) if vx + vy > 0 else math.nan
    return se, df


def _floor_note(floor: float, alpha: float) -> str:
    return f"smallest attainable p is {floor:.2g}" if floor >= alpha else ""


def compare_runs(
    a: dict[int, float], b: dict[int, float], test: str = "t", paired: bool = True, alpha: float = ALPHA
) -> Outcome:
    """B against A, each a seed → value map of finite values from complete runs.  Paired on the
    seeds both sides share when ``paired`` and at least 2 seeds are shared, else unpaired."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; choose from {', '.join(TESTS)}")
    shared = sorted(set(a) & set(b))
    if paired and len(shared) >= 2:
        d = np.array([b[s] - a[s] for s in shared])
        mde = min_detectable(float(d.std(ddof=1)) / math.sqrt(d.size), d.size - 1, alpha)
        if np.all(d == 0):
            return Outcome(1.0, True, d.size, mde)
        if test == "t":
            if np.ptp(d) == 0:
                return Outcome(math.nan, True, d.size, mde, "the same difference on every seed")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                p = float(stats.ttest_rel(np.array([b[s] for s in shared]), np.array([a[s] for s in shared])).pvalue)
            return Outcome(p, True, d.size, mde)
        nonzero = int(np.count_nonzero(d))
        p = float(stats.wilcoxon(d, zero_method="wilcox").pvalue)
        return Outcome(p, True, d.size, mde, _floor_note(2.0 / 2**nonzero, alpha))
    x, y = np.array(list(a.values()), dtype=float), np.array(list(b.values()), dtype=float)
    n = min(x.size, y.size)
    if n == 0:
        return Outcome(math.nan, False, 0, math.nan, "no finished run on one side")
    if x.size < 2 or y.size < 2:
        return Outcome(math.nan, False, n, math.nan, "needs 2 runs per side")
    se, df = _welch_df(x, y)
    mde = min_detectable(se, df, alpha)
    if np.all(np.concatenate([x, y]) == x[0]):
        return Outcome(1.0, False, n, mde)
    if test == "t":
        if np.ptp(x) == 0 and np.ptp(y) == 0:
            return Outcome(math.nan, False, n, mde, "no spread on either side")
        with warnings.catch_warnings():  # nearly identical samples: scipy warns, the p-value is still right
            warnings.simplefilter("ignore", RuntimeWarning)
            return Outcome(float(stats.ttest_ind(x, y, equal_var=False).pvalue), False, n, mde)
    p = float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
    return Outcome(p, False, n, mde, _floor_note(2.0 / math.comb(x.size + y.size, x.size), alpha))
