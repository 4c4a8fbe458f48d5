"""Comparing k objectives over N seeds by ranks (Demšar 2006), honest at small N.

* :func:`permutation_p`: the Friedman test's p-value from its permutation
  distribution (every block's ranks shuffled independently under the null):
  enumerated exactly while that is small, simulated with a fixed RNG otherwise.
  At N = 3 seeds the χ² approximation (``scipy.stats.friedmanchisquare``) is
  poor, often conservative by a factor of several.
* :func:`rank_test`: mean ranks, Friedman, and the Nemenyi all-pairs post-hoc test
  with its critical difference, from the studentized range distribution
  (``scipy.stats.studentized_range`` with infinite degrees of freedom, as in
  scikit-posthocs' ``posthoc_nemenyi_friedman``).
* :func:`seeds_needed`: how many seeds the Nemenyi test would need to separate a
  given gap in mean ranks.

Every function answers "not enough data" with a reason instead of raising.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

ALPHA = 0.05
#: enumerate the permutation distribution while a step combines at most this many (state, permutation) pairs
EXACT_LIMIT = 3_000_000
#: permutations drawn when the distribution is too large to enumerate (fixed RNG: a report is reproducible)
DRAWS = 200_000


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank each row (block) of ``scores`` (higher is better): 1 = best, ties share the average rank."""
    return stats.rankdata(-np.asarray(scores, dtype=float), axis=1)


def friedman_statistic(r: np.ndarray) -> float:
    """Friedman's χ²_F of a rank matrix (N blocks × k), corrected for ties as scipy corrects it."""
    n, k = r.shape
    sums = r.sum(axis=0)
    ties = sum(float(np.sum(c**3 - c)) for c in (np.unique(row, return_counts=True)[1] for row in r))
    correction = 1.0 - ties / (n * (k**3 - k))
    chi2 = 12.0 / (n * k * (k + 1)) * float(np.sum(sums**2)) - 3.0 * n * (k + 1)
    return chi2 / correction if correction > 0 else 0.0


@dataclasses.dataclass
class PermutationP:
    p: float
    method: str  # "exact" or "simulated"
    draws: int = 0  # permutations drawn when simulated


def _enumerate(blocks: list[np.ndarray], limit: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The exact distribution of S = Σ_j R_j² over independent uniform arrangements of each block's
    (doubled, integer) ranks: (values of S, their probabilities); None if it exceeds ``limit``."""
    k = blocks[0].size
    base = 2 * len(blocks) * k + 1
    if math.factorial(k) > limit or k * math.log2(base) >= 62:
        return None
    weights = base ** np.arange(k, dtype=np.int64)
    states, probs = np.zeros((1, k), dtype=np.int64), np.ones(1, dtype=float)
    for row in blocks:
        perms = np.array(sorted(set(itertools.permutations(row.tolist()))), dtype=np.int64)
        if states.shape[0] * perms.shape[0] > limit:
            return None
        combined = (states[:, None, :] + perms[None, :, :]).reshape(-1, k)
        _, first, inverse = np.unique(combined @ weights, return_index=True, return_inverse=True)
        probs = np.bincount(inverse.ravel(), weights=np.repeat(probs / perms.shape[0], perms.shape[0])).astype(float)
        states = combined[first]
    s, inverse = np.unique(np.sum(states**2, axis=1), return_inverse=True)
    return s, np.bincount(inverse.ravel(), weights=probs)


def null_distribution(n: int, k: int, limit: int = EXACT_LIMIT) -> tuple[np.ndarray, np.ndarray] | None:
    """The exact null distribution of χ²_F for n blocks and k objectives without ties:
    (attainable values, their probabilities), or None when too large to enumerate."""
    found = _enumerate([np.arange(2, 2 * k + 1, 2, dtype=np.int64)] * n, limit)
    if found is None:
        return None
    s, probs = found
    chi2 = 12.0 / (n * k * (k + 1)) * (s / 4.0) - 3.0 * n * (k + 1)
    return chi2, probs


def permutation_p(r: np.ndarray, limit: int = EXACT_LIMIT, draws: int = DRAWS, seed: int = 0) -> PermutationP:
    """P(S ≥ S_observed) for S = Σ_j R_j² (R_j: column rank sums), when each block's ranks are a
    uniformly random arrangement of its observed ranks (ties kept).  Given the ties, S orders the
    same way as the tie-corrected χ²_F, so this is the exact p-value of the Friedman test.  It is
    enumerated while that takes at most ``limit`` steps, else estimated from ``draws`` random
    arrangements (fixed RNG)."""
    r2 = np.rint(2 * np.asarray(r, dtype=float)).astype(np.int64)  # mid-ranks are halves: work in integers
    observed = int(np.sum(r2.sum(axis=0) ** 2))
    found = _enumerate(list(r2), limit)
    if found is None:
        return _simulated(r2, observed, draws, seed)
    s, probs = found
    return PermutationP(float(min(1.0, probs[s >= observed].sum())), "exact")


def _simulated(r2: np.ndarray, observed: int, draws: int, seed: int) -> PermutationP:
    rng = np.random.default_rng(seed)
    k = r2.shape[1]
    hits, chunk = 0, 50_000
    for start in range(0, draws, chunk):
        m = min(chunk, draws - start)
        sums = np.zeros((m, k), dtype=np.int64)
        for row in r2:
            sums += rng.permuted(np.tile(row, (m, 1)), axis=1)
        hits += int(np.sum(np.sum(sums**2, axis=1) >= observed))
    return PermutationP((hits + 1) / (draws + 1), "simulated", draws)


def nemenyi_q(k: int, alpha: float = ALPHA) -> float:
    """q_α of Demšar (2006), Table 5: the studentized range quantile over √2."""
    return float(stats.studentized_range.ppf(1 - alpha, k, np.inf)) / math.sqrt(2)


def nemenyi_cd(k: int, n: int, alpha: float = ALPHA) -> float:
    """Critical difference of mean ranks for k objectives on n blocks (Demšar 2006, eq. 5)."""
    return nemenyi_q(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n))


def seeds_needed(k: int, gap: float, alpha: float = ALPHA) -> int | None:
    """The fewest blocks at which the Nemenyi test separates mean ranks ``gap`` apart (None for no gap)."""
    if not gap > 0:
        return None
    return math.floor(nemenyi_q(k, alpha) ** 2 * k * (k + 1) / (6.0 * gap**2)) + 1


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
    """Friedman + Nemenyi on one metric: ``objectives`` in input order, N blocks."""

    objectives: list[str]
    n_blocks: int
    mean_ranks: np.ndarray  # per objective, 1 = best; NaN if no block
    statistic: float = math.nan  # χ²_F, tie-corrected
    p_value: float = math.nan  # from the permutation distribution
    p_method: str = ""  # "exact" or "simulated (N permutations)"
    p_chi2: float = math.nan  # scipy's χ² approximation, for reference
    p_adjusted: float = math.nan  # Holm-adjusted over a family of tests (set by the caller)
    cd: float = math.nan
    pairwise_p: np.ndarray | None = None
    reason: str = ""  # why there is no test ("not enough data: ..."), or "" when there is one
    all_tied: bool = False
    alpha: float = ALPHA

    @property
    def tested(self) -> bool:
        return not self.reason

    @property
    def p_decision(self) -> float:
        """The p-value the verdict reads: Holm-adjusted when a family was set, else the test's own."""
        return self.p_adjusted if math.isfinite(self.p_adjusted) else self.p_value

    @property
    def rejects(self) -> bool:
        """The Friedman test rejects "every objective is equally good" at ``alpha``."""
        return self.tested and self.p_decision < self.alpha

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
        test.all_tied, test.statistic, test.p_value, test.p_chi2 = True, 0.0, 1.0, 1.0
        test.p_method = "exact"
        test.pairwise_p = np.ones((k, k))
        return test
    test.statistic = friedman_statistic(r)
    test.p_chi2 = float(stats.chi2.sf(test.statistic, k - 1))
    perm = permutation_p(r)
    test.p_value = perm.p
    test.p_method = "exact" if perm.method == "exact" else f"simulated ({perm.draws:,} permutations)"
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
