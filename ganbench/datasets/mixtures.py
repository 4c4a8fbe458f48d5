"""Planar Gaussian mixtures with known modes: ring, grid and spiral."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import torch
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import GaussianMixture
from ganbench.hookspecs import Register, hookimpl


def _mode_count(default: int, help: str) -> Any:
    return param(default, min=2, max=10_000, help=help)


def _length(default: float, help: str) -> Any:
    """A positive length in the plane, at most 10⁶."""
    return param(default, min=0.0, exclusive_min=True, max=1e6, help=help)


def _sigma(default: float) -> Any:
    return _length(default, "standard deviation of each mode")


@dataclasses.dataclass(frozen=True)
class Ring(GaussianMixture):
    """``modes`` Gaussians with means (r cos 2πk/K, r sin 2πk/K), k = 0..K-1 — all distinct."""

    name: ClassVar[str] = "ring"
    description: ClassVar[str] = "Gaussians evenly spaced on a circle"

    modes: int = _mode_count(8, "number of modes K")
    radius: float = _length(2.0, "radius r of the circle")
    sigma: float = _sigma(0.02)

    def means(self) -> Tensor:
        k = torch.arange(self.modes, dtype=torch.float64)
        angle = 2.0 * math.pi * k / self.modes
        return torch.stack([self.radius * angle.cos(), self.radius * angle.sin()], dim=1).float()


@dataclasses.dataclass(frozen=True)
class Grid(GaussianMixture):
    """side × side Gaussians on a square lattice centred at the origin (PacGAN: 5 × 5, spacing 2)."""

    name: ClassVar[str] = "grid"
    description: ClassVar[str] = "Gaussians on a square lattice"

    side: int = param(5, min=1, max=1000, help="modes per side (side² modes)")
    spacing: float = _length(2.0, "distance between neighbouring means")
    sigma: float = _sigma(0.05)

    def means(self) -> Tensor:
        coords = (torch.arange(self.side, dtype=torch.float64) - (self.side - 1) / 2.0) * self.spacing
        xx, yy = torch.meshgrid(coords, coords, indexing="ij")
        return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1).float()


@dataclasses.dataclass(frozen=True)
class Spiral(GaussianMixture):
    """Gaussians spaced evenly by arc length along an Archimedean spiral r = radius·θ/θ_max."""

    name: ClassVar[str] = "spiral"
    description: ClassVar[str] = "Gaussians evenly spaced along an Archimedean spiral"

    modes: int = _mode_count(20, "number of modes along the curve")
    turns: float = param(1.5, min=0.0, exclusive_min=True, max=100.0, help="turns of the spiral")
    radius: float = _length(4.0, "radius at the outer end")
    sigma: float = _sigma(0.05)

    def means(self) -> Tensor:
        theta_max = 2.0 * math.pi * self.turns
        theta = torch.linspace(theta_max / 8.0, theta_max, 20_001, dtype=torch.float64)
        r = self.radius * theta / theta_max
        pts = torch.stack([r * theta.cos(), r * theta.sin()], dim=1)
        arc = torch.cat([torch.zeros(1, dtype=torch.float64), (pts[1:] - pts[:-1]).norm(dim=1).cumsum(0)])
        targets = torch.linspace(0.0, float(arc[-1]), self.modes, dtype=torch.float64)
        idx = torch.searchsorted(arc, targets).clamp(max=len(arc) - 1)
        return pts[idx].float()


@hookimpl
def register_datasets(register: Register) -> None:
    register(Ring)
    register(Grid)
    register(Spiral)
