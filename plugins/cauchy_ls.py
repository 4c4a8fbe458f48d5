"""A worked example of an objective with no known divergence: a heavy-tailed least-squares GAN.

The critic regresses reals to 1 and fakes to -1 as LSGAN's (-1, 1) coding does, but with the
Cauchy (Lorentzian) loss ρ(u) = log(1 + (u/s)²) in place of u², which grows only
logarithmically, so a few badly scored samples cannot dominate a batch. The generator pushes
its fakes to the reals' label: E ρ(D(G(z)) - 1). No closed-form divergence is known to lie
behind this pair of losses, so it declares `divergence = None` and writes no `estimate`:
its trials record no estimate, a report shows "—" there, and `ganbench.testing.check_objective`
skips the estimate's checks (its other checks, the generator step included, all apply).

Its critic is meant to score between its labels: it declares `critic_range = (-1, 1)`, and
the kit checks the critic's orientation inside that range (beyond a label, moving a score
further out is a loss for a target loss, and at small `scale` the heavy tail shows it).
"""

import dataclasses
from typing import ClassVar

import torch

import ganbench


@dataclasses.dataclass(frozen=True)
class CauchyLS(ganbench.Objective):
    name: ClassVar[str] = "cauchy-ls"
    description: ClassVar[str] = "least squares with the heavy-tailed Cauchy loss, labels -1 and 1"
    family: ClassVar[str] = "least-squares"
    divergence: ClassVar[None] = None  # no known divergence: no estimate
    critic_range: ClassVar[tuple[float, float]] = (-1.0, 1.0)  # its labels
    reference: ClassVar[str] = "Mao et al. 2017 (coding); Black & Anandan 1996 (Lorentzian loss)"
    hyper: ClassVar[dict] = {"n_critic": 1, "lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999)}

    scale: float = ganbench.param(1.0, min=0.1, max=10.0, help="the loss's scale s")

    def rho(self, u):
        return torch.log1p((u / self.scale) ** 2)

    def critic_loss(self, real, fake):
        return ganbench.mean(self.rho(real - 1)) + ganbench.mean(self.rho(fake + 1))

    def generator_loss(self, real, fake):
        return ganbench.mean(self.rho(fake - 1))

    def describe_generator(self):
        return f"E log(1 + ((D(G(z)) - 1)/{self.scale:g})²)"


@ganbench.hookimpl
def register_objectives(register):
    register(CauchyLS)
