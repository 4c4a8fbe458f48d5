from __future__ import annotations

import math

import pytest
import torch

from ganbench.datasets.mixtures import Grid, Ring, Spiral


def test_ring_has_k_distinct_means_on_the_circle():
    means = Ring(modes=8, radius=2.0).mode_centers()
    assert means.shape == (8, 2)
    assert torch.allclose(means.norm(dim=1), torch.full((8,), 2.0))
    gaps = torch.cdist(means, means) + 10 * torch.eye(8)
    assert float(gaps.min()) == pytest.approx(2 * 2.0 * math.sin(math.pi / 8), rel=1e-5)


def test_grid_means_are_the_pacgan_lattice():
    means = Grid().mode_centers()
    expected = {(float(i), float(j)) for i in (-4, -2, 0, 2, 4) for j in (-4, -2, 0, 2, 4)}
    assert {tuple(m.tolist()) for m in means} == expected


def test_spiral_modes_are_evenly_spaced_along_the_curve():
    means = Spiral(modes=20).mode_centers()
    steps = (means[1:] - means[:-1]).norm(dim=1)
    assert len({tuple(m.tolist()) for m in means}) == 20
    assert float(steps.max() / steps.min()) < 1.3  # chords of equal arcs on a gently curving spiral


@pytest.mark.parametrize("dataset", [Ring(), Grid(), Spiral()], ids=lambda d: d.name)
def test_samples_spread_over_the_modes_with_the_stated_sigma(dataset):
    g = torch.Generator().manual_seed(0)
    x = dataset.sample(20_000, generator=g)
    centers = dataset.mode_centers()
    _dist, nearest = torch.cdist(x, centers).min(dim=1)
    counts = torch.bincount(nearest, minlength=len(centers)).float()
    assert float(counts.min()) > 0.7 * 20_000 / len(centers)
    residual = x - centers[nearest]
    assert float(residual.std()) == pytest.approx(dataset.mode_sigma, rel=0.05)


# Shapes, dtype, determinism under a seeded generator and modes consistent with samples are
# checked for every built-in dataset by the contract kit (tests/plugins/test_kit_builtins.py).
