"""The report's statistics against scipy and against published values, on data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ganbench.report.stats import (
    bootstrap_ci,
    cliques,
    holm,
    nemenyi_cd,
    nemenyi_p,
    rank_test,
    ranks,
    two_sample,
)

OBJECTIVES = ["a", "b", "c", "d"]


def test_bootstrap_ci_is_scipys_percentile_interval():
    x = np.array([0.3, 1.2, 0.7, 2.5, 1.1, 0.9])
    expected = stats.bootstrap(
        (x,), np.mean, method="percentile", n_resamples=9999, rng=np.random.default_rng(0)
    ).confidence_interval
    lo, hi = bootstrap_ci(x)
    assert (lo, hi) == pytest.approx((expected.low, expected.high), rel=1e-12)
    assert lo < x.mean() < hi


def test_bootstrap_ci_degenerate_inputs():
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert bootstrap_ci([3.5]) == (3.5, 3.5)
    assert bootstrap_ci([float("nan"), 1.0]) == (1.0, 1.0)
    assert all(math.isnan(v) for v in bootstrap_ci([]))


def test_a_clearly_better_objective_ranks_first_and_is_separated():
    rng = np.random.default_rng(1)
    n = 12
    scores = rng.normal(0, 1, (n, 4))
    scores[:, 2] += 10  # "c" is far better on every seed
    test = rank_test(scores, OBJECTIVES)
    assert test.objectives[test.order()[0]] == "c"
    assert test.mean_ranks[2] == 1.0
    reference = stats.friedmanchisquare(*scores.T)
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert test.p_value < 0.05 and test.rejects
    better = {(a, b) for a, b, p in test.significant_pairs() if p < 0.05}
    assert ("c", "a") in better or ("c", "b") in better or ("c", "d") in better
    assert all(a == "c" for a, _ in better)  # the three equal ones are never separated from each other


def test_identical_objectives_are_not_separated():
    rng = np.random.default_rng(7)
    scores = rng.normal(0, 1, (10, 4))  # one population for every objective
    test = rank_test(scores, OBJECTIVES)
    reference = stats.friedmanchisquare(*scores.T)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert test.p_value > 0.05 and not test.rejects
    assert test.significant_pairs() == []


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


def test_nemenyi_critical_values_match_demsar_table_5():
    # Demšar (2006), Table 5(a): q_0.05 for k = 2..10
    published = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
    for k, q in zip(range(2, 11), published, strict=True):
        n = 7
        assert nemenyi_cd(k, n) / math.sqrt(k * (k + 1) / (6 * n)) == pytest.approx(q, abs=1e-3)
    # his worked example: 4 classifiers on 14 data sets, CD = 1.25
    assert nemenyi_cd(4, 14) == pytest.approx(1.25, abs=5e-3)


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


def test_holm_by_hand():
    adjusted = holm([0.01, 0.04, 0.03, float("nan")])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(adjusted[3])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # step-down: never below an earlier one


def test_two_sample_tests_are_scipys():
    a, b = [1.0, 1.3, 0.8, 1.1], [2.1, 2.6, 1.9, 2.4]
    p, _ = two_sample(a, b, "welch")
    assert p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    p, note = two_sample(a, b, "mannwhitney")
    assert p == pytest.approx(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    assert note == ""  # with 4 a side, p < 0.05 is attainable
    _, note = two_sample(a[:3], b[:3], "mannwhitney")
    assert "smallest attainable p" in note


def test_two_sample_degenerate_inputs():
    assert two_sample([1.0, 1.0], [1.0, 1.0])[0] == 1.0
    assert math.isnan(two_sample([1.0], [2.0, 3.0])[0])
    assert math.isnan(two_sample([], [2.0, 3.0])[0])
    p, note = two_sample([1.0, 1.0], [2.0, 2.0])
    assert math.isnan(p) and "spread" in note
