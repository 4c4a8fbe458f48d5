"""The generator loss as training uses it: one step against a critic the objective trained.

A generator loss can have every local property the kit checks elsewhere (finite, vectorised,
scored fakes preferred at one pair of points) and still push the generator the wrong way:
aimed at the wrong target, or with its sign flipped. So the kit trains a critic with the
objective's own ``critic_loss`` on samples with a known separation, freezes it, and takes one
generator step on the fakes; the step must lower the critic-judged gap between real and fake
and move the fakes towards the real data. Several critics (separations, spreads, offsets,
training lengths) are used, never one symmetric pair.

The critic is affine in the sample, D(x) = α + βx, on one-dimensional data given by the
quantiles of two normal distributions. Its slope β > 0 is fixed (the known separation: reals
score higher) and its offset α is trained by Adam from 0 on the objective's own critic loss,
so the objective places its outputs where its loss wants them (a least-squares critic between
its labels, a logistic one about 0): a generator target between the labels (LSGAN's c = 0
with labels −1 and 1, Mao et al. 2017) is judged where it is meant to work. The generator is
a shift θ of the fakes, and its step has a fixed length along -∂L_G/∂θ: the direction is what
is tested, so a loss whose gradient is tiny (or overflows) but points the right way passes,
and one whose gradient is zero or NaN fails.
"""

from __future__ import annotations

import dataclasses

import torch
from scipy import stats
from torch import Tensor

from ganbench.objectives.base import Objective
from ganbench.testing.common import fail

#: samples of each side (their quantiles: no randomness)
SAMPLES = 64
#: Adam's learning rate and steps for the critic's offset
CRITIC_LR, CRITIC_STEPS = 0.05, 300


@dataclasses.dataclass(frozen=True)
class CriticSetting:
    """Real data N(real_mean, real_sd), fakes N(fake_mean, fake_sd), a critic of slope ``slope``."""

    real_mean: float
    real_sd: float
    fake_mean: float
    fake_sd: float
    slope: float

    def __str__(self) -> str:
        return (
            f"real N({self.real_mean:g}, {self.real_sd:g}²), fakes N({self.fake_mean:g}, {self.fake_sd:g}²), "
            f"critic slope {self.slope:g}"
        )


SETTINGS = (
    CriticSetting(0.0, 1.0, -1.0, 1.0, 1.0),  # overlapping, equal spreads
    CriticSetting(2.0, 0.5, -2.0, 1.5, 0.25),  # well apart, unequal spreads, a flat critic
    CriticSetting(-1.0, 1.0, -1.5, 0.5, 0.5),  # barely apart, off centre
    CriticSetting(3.0, 1.0, 0.0, 1.0, 2.0),  # apart, a steep critic
)


def quantiles(mean: float, sd: float) -> Tensor:
    levels = (torch.arange(SAMPLES, dtype=torch.float64) + 0.5) / SAMPLES
    return torch.as_tensor(stats.norm(mean, sd).ppf(levels.numpy()), dtype=torch.float64)


def generator_value(objective: Objective, real_out: Tensor, fake_out: Tensor) -> Tensor:
    return objective.generator_loss(real_out if objective.generator_needs_real else None, fake_out)


def train_offset(objective: Objective, real: Tensor, fake: Tensor, slope: float) -> float:
    """α of the critic α + slope·x after Adam on the objective's critic loss from α = 0."""
    alpha = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([alpha], lr=CRITIC_LR, betas=(0.5, 0.999))
    for _ in range(CRITIC_STEPS):
        opt.zero_grad()
        loss = objective.critic_loss(alpha + slope * real, alpha + slope * fake)
        loss.backward()
        if alpha.grad is None or not torch.isfinite(alpha.grad):
            break
        opt.step()
    return float(alpha.detach())


def check_generator_step(objective: Objective, what: str) -> None:
    for setting in SETTINGS:
        _check_setting(objective, what, setting)


def _check_setting(objective: Objective, what: str, setting: CriticSetting) -> None:
    real, fake = quantiles(setting.real_mean, setting.real_sd), quantiles(setting.fake_mean, setting.fake_sd)
    alpha, beta = train_offset(objective, real, fake, setting.slope), setting.slope
    at = f"{setting}: D(x) = {alpha:.4g} + {beta:g}x"

    def critic(x: Tensor) -> Tensor:
        return alpha + beta * x

    theta = torch.zeros((), dtype=torch.float64, requires_grad=True)
    loss = generator_value(objective, critic(real), critic(fake + theta))
    (grad,) = torch.autograd.grad(loss, theta)
    g = float(grad)
    if g != g or g == 0.0:  # an infinite gradient still gives a direction
        fail(
            what,
            f"property 'generator step': the generator loss gives the fakes no direction to move "
            f"(∂L_G/∂shift = {g:g}; {at})",
        )
    length = 0.1 * abs(setting.real_mean - setting.fake_mean)
    moved = fake - length * (1.0 if g > 0 else -1.0)
    gap_before = float(critic(real).mean() - critic(fake).mean())
    gap_after = float(critic(real).mean() - critic(moved).mean())
    distance_before = abs(float(real.mean() - fake.mean()))
    distance_after = abs(float(real.mean() - moved.mean()))
    if not (gap_after < gap_before and distance_after < distance_before):
        fail(
            what,
            f"property 'generator step': one generator step moves the fakes away from the real data: the "
            f"critic-judged gap E D(x) - E D(G(z)) goes from {gap_before:.4g} to {gap_after:.4g} and the means' "
            f"distance from {distance_before:.4g} to {distance_after:.4g} ({at}, critic outputs on fakes "
            f"around {float(critic(fake).mean()):.4g}). The generator loss must fall as the critic scores the "
            "fakes more like real data: check its target and its sign",
        )
