"""The original GAN objective (Goodfellow et al. 2014) and its non-saturating variant.

The critic is a logistic classifier: with logits d, D = sigmoid(d) and
L_D = E_p softplus(-d(x)) + E_q softplus(d(G(z))).  At the optimum
D* = p/(p+q) and -L_D = 2·JSD(p, q) - log 4, so both report
JSD = log 2 - L_D/2 (in nats, between 0 and log 2).
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import torch.nn.functional as F
from torch import Tensor

from ganbench.hookspecs import Register, hookimpl
from ganbench.objectives.base import Objective, mean

_LOG2 = math.log(2.0)


@dataclasses.dataclass(frozen=True)
class Minimax(Objective):
    name: ClassVar[str] = "minimax"
    description: ClassVar[str] = "original GAN, saturating generator loss"
    family: ClassVar[str] = "classic"
    divergence: ClassVar[str] = "Jensen-Shannon"
    reports: ClassVar[str] = "JSD = log 2 - L_D/2"
    reference: ClassVar[str] = "Goodfellow et al. 2014"

    def describe_generator(self) -> str:
        return "saturating: -E softplus(D(G(z)))"

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(F.softplus(-real)) + mean(F.softplus(fake))

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        return -mean(F.softplus(fake))

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return _LOG2 - 0.5 * self.critic_loss(real, fake)


@dataclasses.dataclass(frozen=True)
class NonSaturating(Minimax):
    name: ClassVar[str] = "nonsaturating"
    description: ClassVar[str] = "original GAN critic, non-saturating generator loss"

    def describe_generator(self) -> str:
        return "non-saturating: E softplus(-D(G(z)))"

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        return mean(F.softplus(-fake))


@hookimpl
def register_objectives(register: Register) -> None:
    register(Minimax)
    register(NonSaturating)
