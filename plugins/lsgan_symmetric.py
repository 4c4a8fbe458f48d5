"""A worked example of a local objective plugin: LSGAN with the symmetric (-1, 1, 0) coding.

Put a file like this in a directory and name it with `--plugins-dir` (here:
`ganbench list objectives --plugins-dir plugins`); the objective is then listed and
usable in a suite as `[[objectives]] name = "lsgan-symmetric"`.

Critic: ½E(D(x) - 1)² + ½E(D(G(z)) + 1)²; generator: ½E D(G(z))².  The optimal
critic is D* = (p - q)/(p + q) with loss ∫ 2pq/(p + q), so Δ = 2 - 2·L_D is a lower
bound on the triangular discrimination ∫(p - q)²/(p + q).
"""

import dataclasses
from typing import ClassVar

import ganbench


@dataclasses.dataclass(frozen=True)
class SymmetricLSGAN(ganbench.Objective):
    name: ClassVar[str] = "lsgan-symmetric"
    description: ClassVar[str] = "least-squares GAN, (-1, 1, 0) coding"
    family: ClassVar[str] = "least-squares"
    divergence: ClassVar[str] = "triangular discrimination"
    reports: ClassVar[str] = "Δ = 2 - 2·L_D"
    reference: ClassVar[str] = "Mao et al. 2017"
    hyper: ClassVar[dict] = {"n_critic": 1, "lr_g": 2e-4, "lr_d": 2e-4}

    def describe_generator(self) -> str:
        return "½E D(G(z))²"

    def critic_loss(self, real, fake):
        return 0.5 * ganbench.mean((real - 1) ** 2) + 0.5 * ganbench.mean((fake + 1) ** 2)

    def generator_loss(self, real, fake):
        return 0.5 * ganbench.mean(fake**2)

    def estimate(self, real, fake):
        return 2 - 2 * self.critic_loss(real, fake)


@ganbench.hookimpl
def register_objectives(register):
    register(SymmetricLSGAN)
