"""Critic regularisers, each its own small plugin composable with any objective."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import Tensor

from ganbench.hookspecs import hookimpl
from ganbench.objectives.base import Penalty, per_sample_grad_norm


@dataclasses.dataclass(frozen=True)
class GradientPenalty(Penalty):
    """E (‖∇D(x̂)‖₂ - 1)² at x̂ = αx + (1-α)G(z), α ~ U[0, 1] drawn per sample, norm per sample."""

    name: ClassVar[str] = "gp"
    description: ClassVar[str] = "two-sided gradient penalty at random interpolates (WGAN-GP)"

    def __call__(self, critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> Tensor:
        shape = (real.shape[0],) + (1,) * (real.dim() - 1)
        alpha = torch.rand(shape, device=real.device, dtype=real.dtype)
        x_hat = alpha * real.detach() + (1.0 - alpha) * fake.detach()
        return (per_sample_grad_norm(critic, x_hat) - 1.0).square().mean()


@hookimpl
def register_penalties(register):  # type: ignore[no-untyped-def]
    register(GradientPenalty)
