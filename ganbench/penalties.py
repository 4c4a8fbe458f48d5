"""Critic regularisers, each its own small plugin composable with any objective.

A suite adds one to any objective's critic loss with ``penalty = "<name>"`` and
``penalty_weight = λ``; the trainer adds ``λ · penalty(critic, real, fake, draws)``.
Every penalty is unweighted (λ is the suite's), is computed for the K members of a
vectorised group at once (samples of shape (K, B, ...), one value per member), computes
one gradient norm per sample (never the norm of the whole batch's gradient), and draws
its random coefficients per sample from each member's own generator (``draws``), in the
order its docstring gives, so a seeded trial is reproducible and independent of its group.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import Tensor

from ganbench.hookspecs import hookimpl
from ganbench.objectives.base import Draws, Penalty, mean, per_sample_grad_norm, per_sample_grad_sqnorm

Critic = Callable[[Tensor], Tensor]


def _per_sample_shape(x: Tensor) -> tuple[int, ...]:
    """(batch, 1, 1, ...) for samples x of shape (K, batch, ...): one coefficient per sample,
    broadcast over its features."""
    return (x.shape[1],) + (1,) * (x.dim() - 2)


def interpolates(real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
    """x̂ = αx + (1-α)G(z) with α ~ U[0, 1] drawn per sample (one uniform draw per member)."""
    alpha = draws.uniform(*_per_sample_shape(real)).to(real.dtype)
    return alpha * real.detach() + (1.0 - alpha) * fake.detach()


@dataclasses.dataclass(frozen=True)
class GradientPenalty(Penalty):
    """E (‖∇D(x̂)‖₂ - 1)² at x̂ = αx + (1-α)G(z), α ~ U[0, 1] drawn per sample, norm per sample."""

    name: ClassVar[str] = "gp"
    description: ClassVar[str] = "two-sided gradient penalty at random interpolates (WGAN-GP)"
    default_weight: ClassVar[float] = 10.0  # λ = 10, Gulrajani et al. 2017

    def __call__(self, critic: Critic, real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
        return mean((per_sample_grad_norm(critic, interpolates(real, fake, draws)) - 1.0).square())


@dataclasses.dataclass(frozen=True)
class OneSidedGradientPenalty(Penalty):
    """E max(0, ‖∇D(x̂)‖₂ - 1)² at the same per-sample interpolates as 'gp': only gradient
    norms above 1 are penalised (the one-sided variant of Gulrajani et al. 2017, §4;
    Petzka et al. 2018 call it the Lipschitz penalty)."""

    name: ClassVar[str] = "gp-one-sided"
    description: ClassVar[str] = "one-sided gradient penalty at random interpolates: only norms above 1"
    default_weight: ClassVar[float] = 10.0  # as the two-sided penalty

    def __call__(self, critic: Critic, real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
        excess = per_sample_grad_norm(critic, interpolates(real, fake, draws)) - 1.0
        return mean(torch.clamp(excess, min=0.0).square())


@dataclasses.dataclass(frozen=True)
class R1(Penalty):
    """½ E_p ‖∇D(x)‖₂² on the real batch (Mescheder et al. 2018).  The ½ is inside the
    penalty, so ``penalty_weight`` is the paper's γ: the critic loss gains (γ/2) E‖∇D‖²."""

    name: ClassVar[str] = "r1"
    description: ClassVar[str] = "R1: ½ E‖∇D(x)‖² on real samples (weight = γ)"
    default_weight: ClassVar[float] = 10.0  # γ = 10, Mescheder et al. 2018

    def __call__(self, critic: Critic, real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
        return 0.5 * mean(per_sample_grad_sqnorm(critic, real))


@dataclasses.dataclass(frozen=True)
class R2(Penalty):
    """½ E_q ‖∇D(G(z))‖₂² on the fake batch (Mescheder et al. 2018); as 'r1', the ½ is inside."""

    name: ClassVar[str] = "r2"
    description: ClassVar[str] = "R2: ½ E‖∇D(G(z))‖² on generated samples (weight = γ)"
    default_weight: ClassVar[float] = 10.0  # γ = 10, as R1

    def __call__(self, critic: Critic, real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
        return 0.5 * mean(per_sample_grad_sqnorm(critic, fake))


def dragan_points(real: Tensor, draws: Draws) -> Tensor:
    """x̃ = x + α·δ with δ = ½·std(x)·u, as in the DRAGAN authors' code.

    Draws, in this order: α ~ U[0, 1] per sample, then u ~ U[0, 1) per coordinate;
    std(x) is the population standard deviation of each member's whole real batch (one
    number per member).
    """
    real = real.detach()
    alpha = draws.uniform(*_per_sample_shape(real)).to(real.dtype)
    u = draws.uniform(*real.shape[1:]).to(real.dtype)
    std = real.flatten(1).std(dim=1, correction=0).view(-1, *([1] * (real.dim() - 1)))
    return real + alpha * (0.5 * std * u)


@dataclasses.dataclass(frozen=True)
class Dragan(Penalty):
    """E (‖∇D(x̃)‖₂ - 1)² at points x̃ perturbed around the real data, norm per sample
    (Kodali et al. 2017).  The paper writes the perturbation as δ ~ N(0, cI); the
    authors' reference code, followed here, draws x_p = x + ½·std(x)·U[0, 1)^d and
    penalises at x + α(x_p - x) with α ~ U[0, 1] per sample.  Weight 10 in the paper."""

    name: ClassVar[str] = "dragan"
    description: ClassVar[str] = "DRAGAN: (‖∇D‖ - 1)² at random perturbations of real samples"
    default_weight: ClassVar[float] = 10.0  # λ = 10, Kodali et al. 2017

    def __call__(self, critic: Critic, real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
        return mean((per_sample_grad_norm(critic, dragan_points(real, draws)) - 1.0).square())


@hookimpl
def register_penalties(register):  # type: ignore[no-untyped-def]
    register(GradientPenalty)
    register(OneSidedGradientPenalty)
    register(R1)
    register(R2)
    register(Dragan)
