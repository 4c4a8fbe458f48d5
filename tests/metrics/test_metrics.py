"""Metrics on constructed samples whose answer is known, and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import energy_distance as scipy_energy
from scipy.stats import wasserstein_distance as scipy_w1

from ganbench.components import build
from ganbench.datasets.mixtures import Grid, Ring
from ganbench.metrics.distances import energy_distance, wasserstein_exact
from ganbench.metrics.modes import ModeCoverage

RING = Ring(modes=8, radius=2.0, sigma=0.02)


def test_every_mode_hit_equally_gives_full_coverage_and_zero_kl():
    centers = RING.mode_centers()
    samples = centers.repeat(300, 1) + 0.01 * torch.randn(2400, 2)
    result = ModeCoverage().compute(real=samples, fake=samples, dataset=RING)
    assert result["modes_captured"] == 8
    assert result["hq_percent"] == 100.0
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_one_mode_gives_one_captured_and_kl_log_k():
    samples = RING.mode_centers()[3].repeat(2500, 1)
    result = ModeCoverage().compute(real=samples, fake=samples, dataset=RING)
    assert result["modes_captured"] == 1
    assert result["hq_percent"] == 100.0
    assert result["reverse_kl"] == pytest.approx(math.log(8))


def test_samples_far_from_every_mode_capture_nothing():
    samples = torch.full((2500, 2), 10.0)
    result = ModeCoverage().compute(real=samples, fake=samples, dataset=RING)
    assert result["modes_captured"] == 0
    assert result["hq_percent"] == 0.0
    assert result["reverse_kl"] == pytest.approx(math.log(8))  # the worst value, never NaN


def test_high_quality_threshold_is_three_sigma():
    center = RING.mode_centers()[0]
    inside = center + torch.tensor([[0.0599, 0.0]])
    outside = center + torch.tensor([[0.0601, 0.0]])
    assert ModeCoverage().compute(real=inside, fake=inside, dataset=RING)["hq_percent"] == 100.0
    assert ModeCoverage().compute(real=outside, fake=outside, dataset=RING)["hq_percent"] == 0.0


def test_half_the_grid_with_half_outliers():
    grid = Grid()
    centers = grid.mode_centers()
    good = centers[:12].repeat(100, 1)
    bad = torch.full((1200, 2), 100.0)
    result = ModeCoverage().compute(real=good, fake=torch.cat([good, bad]), dataset=grid)
    assert result["modes_captured"] == 12
    assert result["hq_percent"] == pytest.approx(50.0)
    assert result["reverse_kl"] == pytest.approx(math.log(25 / 12))


def test_energy_distance_matches_scipy_in_one_dimension():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1, 400), rng.normal(0.7, 1.5, 300)
    ours = energy_distance(torch.tensor(x)[:, None], torch.tensor(y)[:, None])
    assert ours == pytest.approx(scipy_energy(x, y), rel=1e-9)


def test_exact_wasserstein_matches_scipy_in_one_dimension():
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 1, 500), rng.exponential(1.0, 500)
    assert wasserstein_exact(torch.tensor(x)[:, None], torch.tensor(y)[:, None]) == pytest.approx(
        scipy_w1(x, y), rel=1e-9
    )


def test_exact_wasserstein_of_a_translation_is_its_length():
    x = torch.randn(300, 2, dtype=torch.float64)
    shift = torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert wasserstein_exact(x, x + shift) == pytest.approx(5.0, rel=1e-9)


def test_metric_parameters_are_validated(registry):
    from ganbench.errors import ConfigError

    with pytest.raises(ConfigError, match="samples"):
        build(registry.get("metrics", "wasserstein"), {"samples": 5000}, "metrics[0]")


@pytest.mark.parametrize("case", ["spread", "collapsed"])
def test_exact_wasserstein_in_the_plane_equals_the_optimal_assignment(case):
    """The transport solver gives the optimum an independent assignment solver finds,
    also for a generator collapsed onto one point (where costs nearly tie)."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(2)
    angles = rng.integers(0, 8, 400) * np.pi / 4
    real = 2 * np.stack([np.cos(angles), np.sin(angles)], 1) + 0.02 * rng.standard_normal((400, 2))
    fake = rng.normal(0, 1, (400, 2)) if case == "spread" else 0.01 * rng.standard_normal((400, 2))
    cost = cdist(fake, real)
    rows, cols = linear_sum_assignment(cost)
    ours = wasserstein_exact(torch.tensor(fake), torch.tensor(real))
    assert ours == pytest.approx(cost[rows, cols].mean(), rel=1e-12)
    assert wasserstein_exact(torch.tensor(fake), torch.tensor(real), p=2) == pytest.approx(
        np.sqrt((cost**2)[linear_sum_assignment(cost**2)].mean()), rel=1e-12
    )
