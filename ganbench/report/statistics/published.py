"""A published mean against ganbench's runs, on scipy alone.

* With a published spread: Welch's t-test on the two means with their n
  (:func:`scipy.stats.ttest_ind_from_stats`, ``equal_var=False``); a standard error becomes
  a standard deviation by ·√n.
* Without one: a one-sample t-test of ganbench's runs against the published mean
  (:func:`scipy.stats.ttest_1samp`).
* When the test's standard error is 0 (both spreads 0; or no published spread and
  ganbench's runs all equal), there is no p-value: the means are "identical" or they "differ".
* Fewer than two runs on a side that needs a spread: not tested.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

WELCH = "Welch's t"
ONE_SAMPLE = "one-sample t (no published spread)"
EXACT = "exact (no spread on either side)"
NOT_TESTED = "–"


@dataclasses.dataclass(frozen=True)
class Comparison:
    test: str  # WELCH, ONE_SAMPLE, EXACT or NOT_TESTED
    p: float  # NaN without a p-value
    verdict: str  # "agrees (p = 0.412)", "differs (p < 0.001)", "identical", "differs", "not tested: ..."


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def as_sd(spread: float, kind: str, n: int) -> float:
    """A published spread as a standard deviation of the runs: se·√n, or sd itself."""
    return spread * math.sqrt(n) if kind == "se" else spread


def spread(values: Sequence[float], kind: str) -> float:
    """The spread of ``values`` of kind ``kind``: "sd" (ddof 1) or "se" (sd/√n); NaN below two values,
    exactly 0 when they are all equal."""
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return math.nan
    sd = 0.0 if np.all(x == x[0]) else float(x.std(ddof=1))
    return sd / math.sqrt(x.size) if kind == "se" else sd


def _verdict(p: float, alpha: float) -> str:
    return f"{'agrees' if p >= alpha else 'differs'} ({p_text(p)})"


def compare(
    mean: float, published: float | None, kind: str, n: int | None, values: Sequence[float], alpha: float
) -> Comparison:
    """The published ``mean`` (spread ``published`` of kind ``kind``, "se", "sd" or "" for none,
    over ``n`` runs, None where the paper does not say) against ganbench's ``values`` (one per
    complete run), at level ``alpha``."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return Comparison(NOT_TESTED, math.nan, "not tested: no complete ganbench run")
    if x.size < 2:
        return Comparison(NOT_TESTED, math.nan, "not tested: one ganbench run has no spread")
    ours = float(x.mean())
    sd = spread(values, "sd")
    if kind and published is not None:
        if n is None or n < 2:
            return Comparison(NOT_TESTED, math.nan, "not tested: the paper's n is 1")
        theirs = as_sd(published, kind, n)
        if sd == 0 and theirs == 0:
            return Comparison(EXACT, math.nan, "identical" if ours == mean else "differs")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p = float(stats.ttest_ind_from_stats(mean, theirs, n, ours, sd, x.size, equal_var=False).pvalue)
        return Comparison(WELCH, p, _verdict(p, alpha))
    if sd == 0:
        return Comparison(EXACT, math.nan, "identical" if ours == mean else "differs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_1samp(x, mean).pvalue)
    return Comparison(ONE_SAMPLE, p, _verdict(p, alpha))
