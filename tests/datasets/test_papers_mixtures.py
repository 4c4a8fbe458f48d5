"""The PacGAN and VEEGAN ring and grid are parameter settings of ``ring`` and ``grid``: means
and σ as the authors' configuration files list them (fjxmlzn/PacGAN,
``synthetic_data_experiments/2D{Ring,Grid}_GAN&PacGAN/config.py``)."""

from __future__ import annotations

import itertools
import math

import torch

from ganbench.datasets.mixtures import Grid, Ring
from ganbench.suite import load_suite


def test_the_papers_ring_is_ring_with_radius_1_and_sigma_0_01():
    ring = Ring(radius=1.0, sigma=0.01)
    expected = torch.tensor([[math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)] for k in range(8)])
    assert torch.allclose(ring.mode_centers(), expected, atol=1e-7)
    assert ring.mode_sigma == 0.01 and ring.modes == 8


def test_the_papers_grid_is_grid_s_defaults():
    grid = Grid()
    expected = torch.tensor(list(itertools.product(range(-4, 5, 2), range(-4, 5, 2))), dtype=torch.float32)
    assert torch.equal(grid.mode_centers(), expected)
    assert grid.mode_sigma == 0.05


def test_a_suite_can_name_the_papers_ring(registry, tmp_path):
    (tmp_path / "s.toml").write_text(
        'name = "p"\nseeds = [0]\nmetrics = ["modes"]\n[model]\nname = "pacgan-mlp"\n'
        '[[datasets]]\nname = "ring"\nradius = 1.0\nsigma = 0.01\n[[objectives]]\nname = "nonsaturating"\n'
    )
    (trial,) = load_suite(tmp_path / "s.toml", registry).trials
    parts = trial.instantiate(registry)
    assert parts.dataset == Ring(radius=1.0, sigma=0.01) and parts.model.name == "pacgan-mlp"
