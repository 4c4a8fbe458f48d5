"""Integral probability metrics: Wasserstein-1 with a gradient penalty (Gulrajani et al. 2017)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from torch import Tensor

from ganbench.hookspecs import hookimpl
from ganbench.objectives.base import Objective, mean


@dataclasses.dataclass(frozen=True)
class WassersteinGP(Objective):
    """Kantorovich–Rubinstein dual: W1 = sup over 1-Lipschitz D of E_p D - E_q D.

    The Lipschitz constraint is enforced softly by the 'gp' penalty (weight 10)."""

    name: ClassVar[str] = "wgan-gp"
    description: ClassVar[str] = "Wasserstein critic with gradient penalty"
    family: ClassVar[str] = "ipm"
    divergence: ClassVar[str] = "Wasserstein-1"
    reports: ClassVar[str] = "W1 = E_p D - E_q D"
    reference: ClassVar[str] = "Gulrajani et al. 2017"
    hyper: ClassVar[dict[str, Any]] = {
        "n_critic": 5,
        "lr_g": 1e-4,
        "lr_d": 1e-4,
        "betas": (0.0, 0.9),
        "penalty": "gp",
        "penalty_weight": 10.0,
    }

    @property
    def generator(self) -> str:
        return "-E D(G(z))"

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(fake) - mean(real)

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        return -mean(fake)

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(real) - mean(fake)


@hookimpl
def register_objectives(register):  # type: ignore[no-untyped-def]
    register(WassersteinGP)
