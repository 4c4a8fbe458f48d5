"""Image metrics against answers known independently: closed forms, scipy, hand-built point sets."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.linalg
import torch

from ganbench.datasets.images import Digits, Shapes, StackedDigits
from ganbench.metrics.features import MAX_FEATURES, classifier_for
from ganbench.metrics.images import (
    PRDC,
    ClassModes,
    Frechet,
    ShapesPR,
    density_coverage,
    exact_precision_recall,
    frechet_distance,
    kernel_inception_distance,
    mmd2_unbiased,
    mode_figures,
    precision_recall,
)

pytestmark = pytest.mark.usefixtures("one_thread")

# ---------------------------------------------------------------- Fréchet distance


def test_frechet_distance_of_a_set_with_itself_is_zero():
    x = torch.randn(400, 16, dtype=torch.float64) @ torch.randn(16, 16, dtype=torch.float64)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-7)


def test_frechet_distance_of_a_shifted_gaussian_is_the_squared_shift():
    x = torch.randn(500, 8, dtype=torch.float64) @ torch.randn(8, 8, dtype=torch.float64)
    shift = torch.arange(8, dtype=torch.float64) / 3
    # same covariance, so the trace term vanishes and FD = ‖Δμ‖²
    assert frechet_distance(x, x + shift) == pytest.approx(float(shift.square().sum()), rel=1e-7)


def test_frechet_distance_matches_scipys_matrix_square_root():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(1.0, 2.0, size=(300, 6))
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(torch.tensor(a), torch.tensor(b)) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    # N(μ1, diag σ1²) vs N(μ2, diag σ2²): FD = ‖μ1 − μ2‖² + Σ (σ1 − σ2)², from a large sample
    g = torch.Generator().manual_seed(0)
    mu1, mu2 = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 1.0, 0.0])
    s1, s2 = torch.tensor([1.0, 2.0, 0.5]), torch.tensor([1.0, 1.0, 1.5])
    x = mu1 + s1 * torch.randn(200_000, 3, generator=g)
    y = mu2 + s2 * torch.randn(200_000, 3, generator=g)
    closed = float((mu1 - mu2).square().sum() + (s1 - s2).square().sum())  # 5 + 1 + 1 = 7
    assert frechet_distance(x, y) == pytest.approx(closed, rel=0.01)


# ---------------------------------------------------------------- KID


def test_unbiased_mmd_matches_a_direct_double_sum():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 5)), rng.normal(0.5, 1.0, size=(9, 5))

    def k(a, b):
        return (a @ b / 5 + 1) ** 3

    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(12), 2)) / (12 * 11)
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(9), 2)) / (9 * 8)
    xy = sum(k(a, b) for a in x for b in y) / (12 * 9)
    assert mmd2_unbiased(torch.tensor(x), torch.tensor(y)) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_kid_is_zero_in_expectation_for_one_distribution():
    g = torch.Generator().manual_seed(2)
    same = [mmd2_unbiased(torch.randn(40, 4, generator=g), torch.randn(40, 4, generator=g)) for _ in range(400)]
    mean, se = np.mean(same), np.std(same, ddof=1) / math.sqrt(len(same))
    assert abs(mean) < 4 * se  # unbiased: no systematic offset (a biased V-statistic would be > 0)
    assert min(same) < 0 < max(same)
    shifted = [mmd2_unbiased(torch.randn(40, 4, generator=g), 0.7 + torch.randn(40, 4, generator=g)) for _ in range(50)]
    assert np.mean(shifted) > 10 * se


def test_kid_averages_subsets_with_its_own_generator():
    x, y = torch.randn(300, 8), torch.randn(300, 8) + 0.5
    state = torch.get_rng_state()
    a = kernel_inception_distance(x, y, 5, 100, torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.get_rng_state())  # the global RNG is untouched
    b = kernel_inception_distance(x, y, 5, 100, torch.Generator().manual_seed(0))
    assert a == b and a[0] > 0 and a[1] > 0


# ---------------------------------------------------------------- precision / recall, density / coverage


def column(values):
    return torch.tensor(values, dtype=torch.float64)[:, None]


def test_precision_and_recall_on_shifted_lattices():
    # real: 0..9, so the 3rd-neighbour radius is 3 at the ends and 2 inside; balls cover [-3, 12].
    # fake: 5.5..14.5; 5.5..11.5 lie in real balls (7 of 10). Fake radii likewise: 3 at the ends,
    # 2 inside, covering [2.5, 17.5], which holds reals 3..9 (7 of 10).
    real = column(range(10))
    fake = column([5.5 + i for i in range(10)])
    assert precision_recall(real=real, fake=fake, k=3) == pytest.approx((0.7, 0.7))


def test_precision_is_fakes_on_the_real_manifold_and_recall_the_reverse():
    real = column(range(10))
    fake = column([2.0, 2.2, 2.4, 2.6, 50.0])  # collapsed onto one spot, plus an outlier
    precision, recall = precision_recall(real=real, fake=fake, k=3)
    assert precision == pytest.approx(4 / 5)  # the outlier is off the real manifold
    # fake radii (3rd neighbour): 0.6, 0.4, 0.4, 0.6 and 47.8 for the outlier; the ball [1.4, 2.6] of 2.0
    # holds real 2 and the outlier's [2.2, 97.8] holds reals 3..9: one far fake inflates recall
    assert recall == pytest.approx(8 / 10)
    # swapping the roles swaps the figures: that is the documented argument order
    assert precision_recall(real=fake, fake=real, k=3) == pytest.approx((recall, precision))


def test_density_and_coverage_on_a_lattice():
    # real 0..9, k = 5: radii 5, 4, 3, 3, 3, 3, 3, 3, 4, 5; the point 4.5 lies in all ten balls
    real = column(range(10))
    assert density_coverage(real=real, fake=column([4.5]), k=5) == pytest.approx((10 / 5, 1.0))
    assert density_coverage(real=real, fake=column([4.5, 100.0]), k=5) == pytest.approx((10 / 10, 1.0))
    # a fake at 0.2 lies in the balls of 0..4 (|0.2 - i| <= r_i) and is nearest to none beyond
    density, coverage = density_coverage(real=real, fake=column([0.2]), k=5)
    inside = sum(abs(0.2 - i) <= r for i, r in enumerate([5, 4, 3, 3, 3, 3, 3, 3, 4, 5]))
    assert (density, coverage) == pytest.approx((inside / 5, inside / 10))


def test_prdc_agree_with_a_brute_force_loop_in_higher_dimensions():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(60, 5)), rng.normal(0.3, 1.2, size=(50, 5))

    def radius(points, i, k):
        return sorted(np.linalg.norm(points - points[i], axis=1))[k]  # index 0 is the point itself

    def dist(a, b):
        return np.linalg.norm(a - b)

    rr = [radius(real, i, 3) for i in range(60)]
    rf = [radius(fake, j, 3) for j in range(50)]
    precision = np.mean([any(dist(f, real[i]) <= rr[i] for i in range(60)) for f in fake])
    recall = np.mean([any(dist(r, fake[j]) <= rf[j] for j in range(50)) for r in real])
    r5 = [radius(real, i, 5) for i in range(60)]
    density = sum(dist(f, real[i]) <= r5[i] for f in fake for i in range(60)) / (5 * 50)
    coverage = np.mean([min(dist(real[i], f) for f in fake) <= r5[i] for i in range(60)])
    t_real, t_fake = torch.tensor(real), torch.tensor(fake)
    assert precision_recall(real=t_real, fake=t_fake, k=3) == pytest.approx((precision, recall))
    assert density_coverage(real=t_real, fake=t_fake, k=5) == pytest.approx((density, coverage))


# ---------------------------------------------------------------- modes and exact shapes precision/recall


def test_mode_figures_count_label_tuples():
    every = torch.tensor(list(itertools.product(range(10), repeat=3)))
    assert mode_figures(every, 10) == pytest.approx((1000.0, 0.0), abs=1e-12)
    one = torch.tensor([[3, 1, 4]] * 50)
    assert mode_figures(one, 10) == pytest.approx((1.0, math.log(1000)))
    half = torch.tensor([[d] for d in range(5)] * 4)
    assert mode_figures(half, 10) == pytest.approx((5.0, math.log(2)))


def test_exact_shapes_precision_recall_on_a_generator_of_half_the_support():
    ds = Shapes()
    support = ds.mode_centers()
    half = support[::2]  # exactly half of the 108 members
    fakes = half.repeat(3, 1, 1, 1) + 0.01 * torch.randn(3 * len(half), *ds.shape)
    metric = ShapesPR()
    assert metric.compute(real=fakes, fake=fakes, dataset=ds) == {"shapes_precision": 1.0, "shapes_recall": 0.5}
    junk = torch.zeros_like(fakes)  # mid-grey images lie far from every binary render
    result = metric.compute(real=fakes, fake=torch.cat([fakes, junk]), dataset=ds)
    assert result == {"shapes_precision": 0.5, "shapes_recall": 0.5}


def test_exact_matching_needs_the_nearest_member_within_the_radius():
    support = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    samples = torch.tensor([[0.5, 0.0], [1.9, 0.0], [2.1, 0.0], [0.0, 10.0]])
    # radius 2: (0.5, 0) and (1.9, 0) match member 0; (2.1, 0) matches member 1; (0, 10) nothing
    assert exact_precision_recall(samples, support, 2.0) == pytest.approx((3 / 4, 2 / 3))


# ---------------------------------------------------------------- the metrics, in the classifier's features


def test_feature_spaces_have_at_most_128_dimensions():
    for ds in (Digits(), StackedDigits()):
        features = classifier_for(ds).features(ds.sample(7))
        assert features.shape[0] == 7 and features.shape[1] <= MAX_FEATURES


def test_real_samples_score_well_and_a_collapsed_generator_badly():
    ds = Digits()
    g = torch.Generator().manual_seed(0)
    real, other = ds.sample(1000, generator=g), ds.sample(1000, generator=g)
    train = ds.splits()
    sevens = train.train_x[train.train_y == 7]
    collapsed = sevens[torch.randint(len(sevens), (1000,), generator=g)]

    good = {
        **Frechet().compute(real=real, fake=other, dataset=ds),
        **PRDC(samples=1000).compute(real=real, fake=other, dataset=ds),
    }
    bad = {
        **Frechet().compute(real=real, fake=collapsed, dataset=ds),
        **PRDC(samples=1000).compute(real=real, fake=collapsed, dataset=ds),
    }
    assert good["classifier_acc"] > 0.9
    assert good["fd"] < bad["fd"] / 10
    assert good["precision"] > 0.8 and good["recall"] > 0.8
    assert bad["precision"] > 0.8 and bad["recall"] < 0.3  # real-looking sevens, one tenth of the data
    assert bad["coverage"] < good["coverage"]

    modes = ClassModes().compute(real=real, fake=collapsed, dataset=ds)
    assert modes["modes_covered"] <= 2 and modes["modes_kl"] > 0.8 * math.log(10)
    assert modes["real_modes_covered"] == 10 and modes["real_modes_kl"] < 0.05


def test_prdc_builds_the_real_manifold_from_distinct_samples():
    # the harness draws real samples with replacement; repeating every real image four times
    # must not shrink the k-NN balls to zero (the 3rd neighbour of a repeated image is its copy)
    ds = Digits()
    train = ds.splits().train_x
    real, fake = train[:300], train[300:600]
    once = PRDC(samples=2000).compute(real=real, fake=fake, dataset=ds)
    repeated = PRDC(samples=2000).compute(real=real.repeat(4, 1, 1, 1), fake=fake, dataset=ds)
    assert repeated == pytest.approx(once)
    assert once["precision"] > 0.8


def test_stacked_modes_of_real_stacks_are_near_the_reference():
    ds = StackedDigits()
    fake = ds.sample(3000, generator=torch.Generator().manual_seed(1))
    result = ClassModes().compute(real=fake, fake=fake, dataset=ds)
    assert result["modes_total"] == 1000
    # real stacks drawn like the held-out ones cover about as many modes (1000·(1 − e⁻³) ≈ 950)
    assert abs(result["modes_covered"] - result["real_modes_covered"]) < 40
    assert result["modes_covered"] > 850
    assert abs(result["modes_kl"] - result["real_modes_kl"]) < 0.1
