"""The report's statistics against scipy, brute force, simulation and published tables."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.statistics.describe import best_set, holm, t_interval
from ganbench.report.statistics.friedman import (
    cliques,
    friedman_statistic,
    nemenyi_cd,
    nemenyi_p,
    null_distribution,
    permutation_p,
    rank_test,
    ranks,
    seeds_needed,
)

OBJECTIVES = ["a", "b", "c", "d"]


# ------------------------------------------------------------------ intervals


def test_t_interval_is_scipys():
    x = np.array([0.3, 1.2, 0.7, 2.5, 1.1, 0.9])
    expected = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    assert t_interval(x) == pytest.approx(expected, rel=1e-12)
    assert t_interval([8.0, 8.0, 1.0]) == pytest.approx(
        stats.t.interval(0.95, 2, loc=17 / 3, scale=stats.sem([8.0, 8.0, 1.0])), rel=1e-12
    )


def test_t_interval_degenerate_inputs():
    assert t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert t_interval([3.5]) == (3.5, 3.5)
    assert t_interval([float("nan"), 1.0]) == (1.0, 1.0)
    assert all(math.isnan(v) for v in t_interval([]))


#: measured coverage of the 95% t-interval (20,000 samples each, RNG seed 0), and of the percentile
#: bootstrap it replaced (2,000 samples, 999 resamples):
#:   normal       n=3: 0.951 (bootstrap 0.759)  n=5: 0.951 (0.819)  n=10: 0.951 (0.889)
#:   exponential  n=3: 0.882 (bootstrap 0.698)  n=5: 0.883 (0.792)  n=10: 0.901 (0.854)
#:   lognormal σ=1 n=3: 0.840 (bootstrap 0.639) n=5: 0.820 (0.702)  n=10: 0.837 (0.794)
#: The t-interval is exact for normal data; on skewed data it covers 82-90%, the bootstrap 64-85%.
COVERAGE = {"normal": 0.945, "exponential": 0.87, "lognormal": 0.80}


@pytest.mark.parametrize("dist", ["normal", "exponential", "lognormal"])
@pytest.mark.parametrize("n", [3, 5, 10])
def test_the_interval_covers_the_mean_at_a_few_seeds(dist, n):
    """The report's interval, simulated: 95% for normal data (exact: t), at least 87% for
    exponential and 80% for lognormal data, and well above the percentile bootstrap at n = 3 and 5."""
    rng = np.random.default_rng(0)
    draw, mean = {
        "normal": (lambda size: rng.normal(0.0, 1.0, size), 0.0),
        "exponential": (lambda size: rng.exponential(1.0, size), 1.0),
        "lognormal": (lambda size: rng.lognormal(0.0, 1.0, size), math.exp(0.5)),
    }[dist]
    x = draw((20_000, n))
    lo, hi = t_interval(x)
    coverage = float(np.mean((lo <= mean) & (mean <= hi)))
    assert coverage >= COVERAGE[dist]
    if dist == "normal":
        assert coverage == pytest.approx(0.95, abs=0.006)  # 4 Monte Carlo standard errors
    if n > 5:
        return
    boot = stats.bootstrap(
        (x[:2000],), np.mean, axis=-1, vectorized=True, n_resamples=999, method="percentile", rng=rng
    ).confidence_interval
    boot_coverage = float(np.mean((boot.low <= mean) & (mean <= boot.high)))
    assert coverage - boot_coverage > {3: 0.1, 5: 0.05}[n]


# ------------------------------------------------------------------ which objectives are marked


def test_best_set_marks_the_best_and_what_it_cannot_separate():
    best, close, far = np.array([8.0, 8.0, 8.0]), np.array([8.0, 8.0, 1.0]), np.array([1.0, 2.0, 1.0])
    assert best_set([best, close, far], higher=True) == [True, True, False]
    p = stats.ttest_ind(best + np.array([0, 0, 1e-9]), far, equal_var=False, alternative="greater").pvalue
    assert p < 0.05 / 2  # Holm: the smaller of two p-values is compared with α/2


def test_best_set_is_empty_when_nothing_is_separated():
    rng = np.random.default_rng(3)
    same = [rng.normal(0, 1, 3) for _ in range(4)]
    assert best_set(same, higher=True) == [False] * 4
    assert best_set([np.array([1.0, 2.0]), np.array([])], higher=True) == [False, False]


def test_best_set_reads_the_direction():
    low, high = np.array([0.1, 0.11, 0.12]), np.array([0.9, 0.91, 0.93])
    assert best_set([low, high], higher=False) == [True, False]
    assert best_set([low, high], higher=True) == [False, True]


def test_holm_by_hand():
    adjusted = holm([0.01, 0.04, 0.03, float("nan")])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(adjusted[3])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # step-down: never below an earlier one


# ------------------------------------------------------------------ Friedman: exact p-values


def _brute_force_p(r: np.ndarray) -> float:
    """Every arrangement of every block's ranks, listed; the share whose Σ_j R_j² (which orders
    the arrangements as Friedman's statistic does, ties fixed) reaches the observed one."""
    arrangements = np.array(list(itertools.product(*[list(itertools.permutations(row)) for row in r])))
    s = (arrangements.sum(axis=1) ** 2).sum(axis=-1)
    return float(np.mean(s >= (r.sum(axis=0) ** 2).sum() - 1e-9))


def test_the_brute_force_orders_arrangements_as_scipys_statistic():
    r = np.array([[1, 2, 3], [1, 3, 2], [2, 1, 3]], dtype=float)
    observed = stats.friedmanchisquare(*r.T).statistic
    combos = list(itertools.product(*[list(itertools.permutations(row)) for row in r]))
    by_scipy = np.mean([stats.friedmanchisquare(*np.array(c).T).statistic >= observed - 1e-9 for c in combos])
    assert by_scipy == pytest.approx(_brute_force_p(r)) == pytest.approx(permutation_p(r).p)


@pytest.mark.parametrize(
    "r",
    [
        [[1, 2, 3], [1, 3, 2], [2, 1, 3]],
        [[1, 2, 3], [1, 2, 3], [1, 2, 3]],
        [[1, 2, 3, 4], [2, 1, 4, 3], [1, 3, 2, 4]],
        [[1.5, 1.5, 3], [1, 2, 3], [2, 1, 3], [1, 3, 2]],  # a tie
        [[2, 2, 2], [3, 1, 2], [2, 2, 2]],  # whole blocks tied (the fixture's ring modes)
        [[1, 2, 3, 4, 5], [2, 1, 3, 5, 4]],
    ],
)
def test_the_exact_p_value_is_the_brute_force_enumeration(r):
    r = np.array(r, dtype=float)
    result = permutation_p(r)
    assert result.method == "exact"
    assert result.p == pytest.approx(_brute_force_p(r), abs=1e-12)


#: Critical values of Friedman's χ²_F (smallest c with P(χ²_F ≥ c) ≤ α), as tabulated for
#: small samples (e.g. Zar, Biostatistical Analysis, Table B.14; Siegel & Castellan Table M).
PUBLISHED = {
    (3, 3): (6.000, None),
    (3, 4): (6.500, 8.000),
    (3, 5): (6.400, 8.400),
    (3, 6): (7.000, 9.000),
    (4, 2): (6.000, None),
    (4, 3): (7.400, 9.000),
    (4, 4): (7.800, 9.600),
    (5, 2): (7.600, 8.000),
    (5, 3): (8.533, 10.130),
}


@pytest.mark.parametrize(("k", "n"), list(PUBLISHED))
def test_the_exact_distribution_gives_the_published_critical_values(k, n):
    values, probs = null_distribution(n, k)
    assert probs.sum() == pytest.approx(1.0)
    for alpha, c in zip((0.05, 0.01), PUBLISHED[(k, n)], strict=True):
        if c is None:
            continue
        at = probs[values >= c - 1e-3].sum()
        below = values[values < c - 1e-3].max()
        assert at <= alpha < probs[values >= below - 1e-9].sum(), (k, n, alpha)


def test_the_review_example_flips_with_the_exact_p():
    """Five objectives, three seeds (the review's case): χ²_F = 8.8, which the χ² approximation
    calls p = 0.066 (no difference) and the exact distribution p = 0.0376 (541 / 14400)."""
    r = np.array([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 3, 4, 5, 2]], dtype=float)
    chi2 = friedman_statistic(r)
    assert chi2 == pytest.approx(stats.friedmanchisquare(*r.T).statistic) == pytest.approx(8.8)
    assert stats.chi2.sf(chi2, 4) == pytest.approx(0.0663, abs=5e-4)
    assert permutation_p(r).p == pytest.approx(541 / 14400, abs=1e-12)


def test_the_simulated_p_value_agrees_with_the_exact_one():
    rng = np.random.default_rng(2)
    r = ranks(rng.normal(size=(4, 5)) + np.arange(5) * 0.8)
    exact = permutation_p(r)
    simulated = permutation_p(r, limit=1, draws=50_000)  # too small to enumerate: simulated
    assert exact.method == "exact" and simulated.method == "simulated"
    assert simulated.p == pytest.approx(exact.p, abs=4 * math.sqrt(exact.p * (1 - exact.p) / simulated.draws) + 1e-5)
    assert permutation_p(r, limit=1, draws=50_000).p == simulated.p  # a fixed RNG: reproducible


def test_many_seeds_are_simulated_and_agree_with_the_chi2_approximation():
    rng = np.random.default_rng(5)
    scores = rng.normal(size=(12, 5)) + np.array([0.0, 0.2, 0.4, 0.6, 0.8])
    test = rank_test(scores, list("abcde"))
    assert test.p_method.startswith("simulated")
    assert test.p_value == pytest.approx(stats.friedmanchisquare(*scores.T).pvalue, abs=0.01)


# ------------------------------------------------------------------ the rank test as a whole


def test_a_clearly_better_objective_ranks_first_and_is_separated():
    rng = np.random.default_rng(1)
    scores = rng.normal(0, 1, (12, 4))
    scores[:, 2] += 10  # "c" is far better on every seed
    test = rank_test(scores, OBJECTIVES)
    assert test.objectives[test.order()[0]] == "c"
    assert test.mean_ranks[2] == 1.0
    assert test.statistic == pytest.approx(stats.friedmanchisquare(*scores.T).statistic)
    assert test.p_chi2 == pytest.approx(stats.friedmanchisquare(*scores.T).pvalue)
    assert test.p_value < 0.05 and test.rejects
    better = {(a, b) for a, b, p in test.significant_pairs() if p < 0.05}
    assert better and all(a == "c" for a, _ in better)  # the three equal ones are never separated


def test_identical_objectives_are_not_separated():
    rng = np.random.default_rng(7)
    scores = rng.normal(0, 1, (10, 4))  # one population for every objective
    test = rank_test(scores, OBJECTIVES)
    assert test.p_value > 0.05 and not test.rejects
    assert test.significant_pairs() == []


def test_the_holm_adjusted_p_value_decides():
    scores = np.tile(np.arange(4.0), (6, 1))
    test = rank_test(scores, OBJECTIVES)
    assert test.rejects
    test.p_adjusted = 0.2
    assert not test.rejects and test.significant_pairs() == []


def test_exact_ties_everywhere_mean_no_difference():
    test = rank_test(np.ones((5, 3)), ["a", "b", "c"])
    assert test.all_tied and test.p_value == 1.0 and test.significant_pairs() == []
    assert list(test.mean_ranks) == [2.0, 2.0, 2.0]


def test_failed_runs_rank_last():
    scores = np.array([[1.0, -np.inf, 0.5], [2.0, np.nan, 3.0]])
    r = ranks(np.where(np.isnan(scores), -np.inf, scores))
    assert list(r[:, 1]) == [3.0, 3.0]
    test = rank_test(scores, ["a", "b", "c"])
    assert test.mean_ranks[1] == 3.0 and test.tested


@pytest.mark.parametrize(
    ("shape", "names", "reason"),
    [
        ((5, 2), ["a", "b"], "at least 3 objectives"),
        ((1, 3), ["a", "b", "c"], "at least 2 seeds"),
        ((0, 3), ["a", "b", "c"], "no seed"),
    ],
)
def test_not_enough_data_is_said_not_raised(shape, names, reason):
    test = rank_test(np.arange(math.prod(shape), dtype=float).reshape(shape), names)
    assert not test.tested and reason in test.reason and "not enough data" in test.reason
    assert test.significant_pairs() == []


# ------------------------------------------------------------------ Nemenyi


def test_nemenyi_critical_values_match_demsar_table_5():
    # Demšar (2006), Table 5(a): q_0.05 for k = 2..10
    published = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
    for k, q in zip(range(2, 11), published, strict=True):
        n = 7
        assert nemenyi_cd(k, n) / math.sqrt(k * (k + 1) / (6 * n)) == pytest.approx(q, abs=1e-3)
    # his worked example: 4 classifiers on 14 data sets, CD = 1.25
    assert nemenyi_cd(4, 14) == pytest.approx(1.25, abs=5e-3)
    # the review's case: 5 objectives on 3 seeds, CD 3.52 of a possible 4
    assert nemenyi_cd(5, 3) == pytest.approx(3.52, abs=5e-3)


def test_seeds_needed_is_the_first_n_whose_cd_is_below_the_gap():
    for k, gap in ((5, 2.0), (3, 0.5), (4, 1.25)):
        n = seeds_needed(k, gap)
        assert n is not None
        assert nemenyi_cd(k, n) < gap <= nemenyi_cd(k, n - 1)
    assert seeds_needed(5, 0.0) is None


def test_nemenyi_p_crosses_alpha_at_the_critical_difference():
    k, n = 5, 10
    cd = nemenyi_cd(k, n)
    above = nemenyi_p(np.array([1.0, 1.0 + cd * 1.01, 3, 3, 3]), n)
    below = nemenyi_p(np.array([1.0, 1.0 + cd * 0.99, 3, 3, 3]), n)
    assert above[0, 1] < 0.05 < below[0, 1]
    assert np.allclose(above, above.T) and np.all(np.diag(above) == 1)


def test_cliques_join_objectives_closer_than_the_cd():
    assert cliques(np.array([1.0, 1.5, 3.5, 3.8]), cd=1.0) == [[0, 1], [2, 3]]
    assert cliques(np.array([1.0, 2.0, 3.0]), cd=5.0) == [[0, 1, 2]]
