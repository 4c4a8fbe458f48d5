"""Integral probability metrics: Wasserstein-1 through a Lipschitz critic, the constraint
enforced by a gradient penalty (Gulrajani et al. 2017) or by weight clipping (Arjovsky et al. 2017)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from torch import Tensor

from ganbench.hookspecs import Register, hookimpl
from ganbench.objectives.base import Objective, mean


def _wgan_hyper(lr: float, beta2: float, **rest: Any) -> dict[str, Any]:
    """The WGAN papers' recipe: 5 critic steps per generator step, one learning rate for both
    networks and β1 = 0; ``rest`` is what enforces the Lipschitz constraint."""
    return {"n_critic": 5, "lr_g": lr, "lr_d": lr, "betas": (0.0, beta2), **rest}


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
    hyper: ClassVar[dict[str, Any]] = _wgan_hyper(1e-4, 0.9, penalty="gp", penalty_weight=10.0)

    def describe_generator(self) -> str:
        return "-E D(G(z))"

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(fake) - mean(real)

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        return -mean(fake)

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(real) - mean(fake)


@dataclasses.dataclass(frozen=True)
class WassersteinClip(WassersteinGP):
    """The original WGAN: the critic's weights are clamped to [-0.01, 0.01] after every step.

    A clipped critic is K-Lipschitz for some K that depends on the architecture and
    on the weights (not 1), so E_p D - E_q D estimates K·W1, not W1.
    Arjovsky et al. train with RMSProp at 5e-5; the harness trains with Adam, and
    Adam with β1 = 0 and β2 = 0.99 is RMSProp (decay 0.99, PyTorch's default)
    with bias correction, so those are the defaults, at the paper's 5e-5."""

    name: ClassVar[str] = "wgan-clip"
    description: ClassVar[str] = "Wasserstein critic with weight clipping"
    reports: ClassVar[str] = "K·W1 ≥ E_p D - E_q D (K: the clipped critic's Lipschitz constant)"
    reference: ClassVar[str] = "Arjovsky et al. 2017"
    hyper: ClassVar[dict[str, Any]] = _wgan_hyper(5e-5, 0.99, clip=0.01)


@hookimpl
def register_objectives(register: Register) -> None:
    register(WassersteinGP)
    register(WassersteinClip)
