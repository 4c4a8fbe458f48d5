"""Relativistic average GAN (Jolicoeur-Martineau 2018).

The critic judges whether a real sample is more realistic than the average fake
one, and a fake less realistic than the average real one.  With C the raw critic
output, C̄_p = E_p C and C̄_q = E_q C,

    L_D = E_p softplus(-(C(x) - C̄_q)) + E_q softplus(C(G(z)) - C̄_p)
    L_G = E_q softplus(-(C(G(z)) - C̄_p)) + E_p softplus(C(x) - C̄_q)

(-log σ(u) = softplus(-u), -log(1 - σ(u)) = softplus(u)): the generator's loss is
the critic's with the roles of real and fake swapped, so it needs the critic's
outputs on real data too.  The averages are over the batch (the last dimension).

What it estimates: a constant critic gives L_D = log 4, and when p = q Jensen's
inequality (softplus is convex) gives L_D ≥ log 4 for every critic, so the reported
log 4 - L_D is at most 0 when p = q, and never above log 4 (the softplus terms are
non-negative).  Beyond that it has no closed form, and its supremum over *all*
critics is not a useful target: a critic with a large spike where p/q is extreme
shifts the batch averages E C that every other sample is compared with, and with
one spike in each tail L_D falls towards 0.  For N(0, 1) against N(1, 1) such a
two-spike critic already reaches log 4 - L_D ≈ 1.36 (log 4 ≈ 1.386), and a
nonparametric critic optimised on a grid keeps climbing past 1.27 by growing such
spikes.  So the value measures what the critic's class can tell apart (a small
MLP gives about 1.0 there), not a divergence of p and q alone.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import torch.nn.functional as F
from torch import Tensor

from ganbench.hookspecs import Register, hookimpl
from ganbench.objectives.base import Objective, mean

_LOG4 = math.log(4.0)


def _relativistic_loss(first: Tensor, second: Tensor) -> Tensor:
    """E softplus(-(first - E second)) + E softplus(second - E first): batch is the last dim."""
    first_mean = first.mean(dim=-1, keepdim=True)
    second_mean = second.mean(dim=-1, keepdim=True)
    return mean(F.softplus(second_mean - first)) + mean(F.softplus(second - first_mean))


@dataclasses.dataclass(frozen=True)
class RelativisticAverage(Objective):
    name: ClassVar[str] = "ragan"
    description: ClassVar[str] = "relativistic average GAN (BCE form)"
    family: ClassVar[str] = "relativistic"
    divergence: ClassVar[str] = "relativistic average (Jensen-Shannon type)"
    reports: ClassVar[str] = "log 4 - L_D (≤ 0 if p = q, ≤ log 4; no closed form, depends on the critic's class)"
    reference: ClassVar[str] = "Jolicoeur-Martineau 2018"
    generator_needs_real: ClassVar[bool] = True

    def describe_generator(self) -> str:
        return "E softplus(-(C(G(z)) - E C(x))) + E softplus(C(x) - E C(G(z)))"

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return _relativistic_loss(real, fake)

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        if real is None:
            raise ValueError("ragan's generator loss needs the critic's outputs on real data")
        return _relativistic_loss(fake, real)

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return _LOG4 - self.critic_loss(real, fake)


@hookimpl
def register_objectives(register: Register) -> None:
    register(RelativisticAverage)
