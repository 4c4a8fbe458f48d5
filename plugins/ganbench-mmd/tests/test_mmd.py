"""The MMD-GAN objective: the contract kit, a NumPy/SciPy reference, the closed form for Gaussians."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from ganbench_mmd import MMD
from scipy.spatial.distance import cdist

from ganbench.testing import check_objective

SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0)


def reference_mmd2_biased(x: np.ndarray, y: np.ndarray, sigmas=SIGMAS) -> float:
    """Gretton et al. 2012, eq. 5, written from the definition with SciPy's pairwise distances."""

    def k(a, b):
        d2 = cdist(a[:, None], b[:, None], "sqeuclidean")
        return sum(np.exp(-d2 / (2 * s**2)) for s in sigmas)

    return float(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())


def test_mmd_keeps_the_objective_contract():
    check_objective(MMD)


def test_mmd_is_registered_by_its_entry_point(ganbench_registry):
    assert ganbench_registry.get("objectives", "mmd") is MMD
    owner = ganbench_registry.owners[("objectives", "mmd")]
    assert owner.provider["distribution"] == "ganbench-mmd" and owner.provider["version"] == "0.1.0"


@pytest.mark.parametrize("sigmas", [SIGMAS, (0.5,), (3.0, 0.25)])
def test_losses_equal_the_reference(sigmas):
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0.0, 2.0, 37), rng.normal(1.0, 1.5, 23)
    objective = MMD(sigmas=sigmas)
    expected = reference_mmd2_biased(real, fake, sigmas)
    r, f = torch.tensor(real), torch.tensor(fake)
    assert float(objective.estimate(r, f)) == pytest.approx(expected, rel=1e-12)
    assert float(objective.critic_loss(r, f)) == pytest.approx(-expected, rel=1e-12)
    assert float(objective.generator_loss(r, f)) == pytest.approx(expected, rel=1e-12)


def test_identical_batches_have_no_discrepancy_and_one_sample_is_finite():
    x = torch.tensor([0.3, -1.2, 4.0])
    assert float(MMD().estimate(x, x)) == pytest.approx(0.0, abs=1e-6)
    one = MMD().estimate(torch.tensor([0.0]), torch.tensor([1.0]))
    assert float(one) == pytest.approx(reference_mmd2_biased(np.array([0.0]), np.array([1.0])), rel=1e-6)


def test_the_estimate_converges_to_the_closed_form_for_two_gaussians():
    """For X ~ N(μ1, s²), Y ~ N(μ2, s²) and k = exp(-(a-b)²/2σ²): E k(X, X') = σ/√(σ² + 2s²) and
    E k(X, Y) = the same × exp(-Δ²/(2(σ² + 2s²))), so MMD² = Σ_σ 2σ/√(σ²+2s²)·(1 - exp(-Δ²/(2(σ²+2s²)))).
    The biased estimate exceeds it by Σ_σ (2/n)(1 - σ/√(σ²+2s²)) in expectation."""
    s, delta, n, repeats = 1.0, 1.5, 400, 30
    g = torch.Generator().manual_seed(1)
    x = s * torch.randn(repeats, n, generator=g, dtype=torch.float64)
    y = delta + s * torch.randn(repeats, n, generator=g, dtype=torch.float64)
    estimates = MMD().estimate(x, y)  # one estimate per independent pair of samples
    c = [sig / math.sqrt(sig**2 + 2 * s**2) for sig in SIGMAS]
    truth = sum(
        2 * ci * (1 - math.exp(-(delta**2) / (2 * (sig**2 + 2 * s**2)))) for ci, sig in zip(c, SIGMAS, strict=True)
    )
    bias = sum(2 / n * (1 - ci) for ci in c)
    mean, se = float(estimates.mean()), float(estimates.std()) / math.sqrt(repeats)
    assert abs(mean - (truth + bias)) < 4 * se
    assert 4 * se < 0.1 * truth  # sharp enough: an error of 10% in the formula fails it
