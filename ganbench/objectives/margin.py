"""Margin and least-squares objectives: hinge (Lim & Ye 2017; Miyato et al. 2018) and LSGAN."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch.nn.functional as F
from torch import Tensor

from ganbench.hookspecs import Register, hookimpl
from ganbench.objectives.base import Objective, mean


@dataclasses.dataclass(frozen=True)
class Hinge(Objective):
    """Hinge loss.  Pointwise, min over D of p·relu(1-D) + q·relu(1+D) is 2·min(p, q),
    so L_D ≥ 2(1 - TV) for any critic and TV = 1 - L_D/2 is a lower bound on the
    total variation distance (TV = ½∫|p - q|, between 0 and 1)."""

    name: ClassVar[str] = "hinge"
    description: ClassVar[str] = "hinge critic loss, linear generator loss"
    family: ClassVar[str] = "margin"
    divergence: ClassVar[str] = "total variation"
    reports: ClassVar[str] = "TV = 1 - L_D/2"
    reference: ClassVar[str] = "Lim & Ye 2017; Miyato et al. 2018"
    hyper: ClassVar[dict[str, Any]] = {"n_critic": 5, "betas": (0.0, 0.9)}

    def describe_generator(self) -> str:
        return "-E D(G(z))"

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(F.relu(1.0 - real)) + mean(F.relu(1.0 + fake))

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        return -mean(fake)

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return 1.0 - 0.5 * self.critic_loss(real, fake)


@dataclasses.dataclass(frozen=True)
class LeastSquares(Objective):
    """LSGAN with targets a=0 (fake), b=1 (real), c=1 (generator), on raw critic outputs.

    The optimal critic is D* = p/(p+q) and L_D* = ½∫pq/(p+q), so
    Δ = 2 - 8·L_D is a lower bound on the triangular discrimination
    Δ(p, q) = ∫(p-q)²/(p+q) (an f-divergence, f(u) = (u-1)²/(u+1), between 0 and 2).
    """

    name: ClassVar[str] = "lsgan"
    description: ClassVar[str] = "least-squares GAN (0-1-1 coding)"
    family: ClassVar[str] = "least-squares"
    divergence: ClassVar[str] = "triangular discrimination"
    reports: ClassVar[str] = "Δ = 2 - 8·L_D"
    reference: ClassVar[str] = "Mao et al. 2017"

    def describe_generator(self) -> str:
        return "½E (D(G(z)) - 1)²"

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * mean((real - 1.0).square()) + 0.5 * mean(fake.square())

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        return 0.5 * mean((fake - 1.0).square())

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return 2.0 - 8.0 * self.critic_loss(real, fake)


@hookimpl
def register_objectives(register: Register) -> None:
    register(Hinge)
    register(LeastSquares)
