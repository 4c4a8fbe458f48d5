"""The contract kit fails, with a message naming the component and the fault, on components that
break their contract in the ways plugin authors do; and passes a correct one of each kind."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest
import torch

import ganbench
from ganbench.datasets.mixtures import Ring
from ganbench.metrics.modes import ModeCoverage, mode_coverage
from ganbench.testing import Draws, check_dataset, check_metric, check_model, check_objective, check_penalty

# ------------------------------------------------------------------ objectives


@dataclasses.dataclass(frozen=True)
class Wasserstein(ganbench.Objective):
    name: ClassVar[str] = "kit-wgan"

    def critic_loss(self, real, fake):
        return ganbench.mean(fake) - ganbench.mean(real)

    def generator_loss(self, real, fake):
        return -ganbench.mean(fake)

    def estimate(self, real, fake):
        return ganbench.mean(real) - ganbench.mean(fake)


def variant(base, **methods):
    """A subclass of ``base`` with some methods replaced (a named, registrable dataclass)."""
    return dataclasses.dataclass(frozen=True)(type(base.__name__ + "Broken", (base,), dict(methods)))


def test_a_correct_objective_passes():
    check_objective(Wasserstein)


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        ({"critic_loss": lambda self, real, fake: ganbench.mean(torch.exp(2 * fake))}, "critic_loss is not finite"),
        (
            {"estimate": lambda self, real, fake: (real - fake).mean()},
            r"estimate gave shape \(\) for outputs of shape \(101, 101\)",
        ),
        (
            {
                "estimate": lambda self, real, fake: (
                    ganbench.mean(real) - ganbench.mean(fake) + real.detach().sum().item()
                )
            },
            "estimate fails under torch.func.vmap",
        ),
        (
            {
                "critic_loss": lambda self, real, fake: ganbench.mean(real) - ganbench.mean(fake),
                "estimate": lambda self, real, fake: ganbench.mean(fake) - ganbench.mean(real),
            },
            "the estimate does not rise when the critic scores real above fake",
        ),
        ({"generator_loss": lambda self, real, fake: ganbench.mean(fake)}, "the generator's loss is not lower"),
        ({"critic_loss": lambda self, fake, real: ganbench.mean(fake)}, "does not match the expected critic_loss"),
    ],
    ids=["overflow", "not-per-index", "not-vmappable", "orientation", "generator-orientation", "argument-order"],
)
def test_a_broken_objective_fails_with_the_reason(methods, message):
    with pytest.raises(AssertionError, match=rf"objective 'kit-wgan'.*{message}"):
        check_objective(variant(Wasserstein, **methods))


def test_optimum_declarations_come_in_pairs():
    with pytest.raises(AssertionError, match="declare both optimal_critic and f_divergence"):
        check_objective(Wasserstein, optimal_critic=lambda lr: lr)


# ------------------------------------------------------------------ datasets


def test_a_correct_dataset_passes():
    check_dataset(Ring)


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        (
            {"sample": lambda self, n, generator=None, device="cpu": Ring.sample(self, n, None, device)},
            "changed torch's global random state",
        ),
        (
            {"sample": lambda self, n, generator=None, device="cpu": Ring.sample(self, n, generator, device).double()},
            "gave torch.float64 on cpu, expected torch.float32",
        ),
        (
            {"sample": lambda self, n, generator=None, device="cpu": Ring.sample(self, n, generator, device) + 0.3},
            "samples lie .* from their nearest mode",
        ),
        ({"mode_weights": lambda self: torch.tensor([0.5] + [0.5 / 7] * 7)}, "samples and modes disagree"),
        ({"shape": lambda self: (2,)}, "shape must be a property"),
    ],
    ids=["global-rng", "float64", "off-mode", "wrong-weights", "shape-method"],
)
def test_a_broken_dataset_fails_with_the_reason(methods, message):
    with pytest.raises(AssertionError, match=rf"dataset 'ring'.*{message}"):
        check_dataset(variant(Ring, **methods))


# ------------------------------------------------------------------ metrics


def test_a_correct_metric_passes():
    check_metric(ModeCoverage)


def swapped(self, *, real, fake, dataset):
    """Coverage of the *real* samples: the bug a positional (fake, real) call used to cause."""
    nearest, distance = dataset.nearest_modes(real)
    return mode_coverage(nearest, distance, dataset.mode_weights(), self.threshold * dataset.mode_sigma)


def biased(self, *, real, fake, dataset):
    """KL off by one: 1 for identical distributions, where it should be 0."""
    values = ModeCoverage.compute(self, real=real, fake=fake, dataset=dataset)
    return {**values, "reverse_kl": values["reverse_kl"] + 1.0}


def in_place(self, *, real, fake, dataset):
    fake.clamp_(-1, 1)
    return ModeCoverage.compute(self, real=real, fake=fake, dataset=dataset)


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        ({"compute": swapped}, "modes_captured .* must score clearly worse"),
        ({"compute": biased}, "reverse_kl of real against real is 1.00.*, not near its floor 0"),
        ({"compute": in_place}, "compute changed its input tensors in place"),
        ({"outputs": {"modes_captured": "max"}}, "coverage.total 'modes_total' is not one of its outputs"),
        ({"compute": lambda self, fake, real, dataset: {}}, r"does not match the expected compute\(self, \*, real"),
    ],
    ids=["real-fake-swapped", "off-floor", "in-place", "undeclared-output", "positional"],
)
def test_a_broken_metric_fails_with_the_reason(methods, message):
    with pytest.raises(AssertionError, match=rf"metric 'modes'.*{message}"):
        check_metric(variant(ModeCoverage, **methods))


def test_outputs_must_be_exactly_the_declared_ones():
    extra = variant(
        ModeCoverage,
        compute=lambda self, *, real, fake, dataset: {**swapped(self, real=real, fake=fake, dataset=dataset), "x": 1.0},
    )
    with pytest.raises(AssertionError, match=r"compute returned \[.*'x'.*\], but the declared outputs are"):
        check_metric(extra)


# ------------------------------------------------------------------ penalties


@dataclasses.dataclass(frozen=True)
class InterpolatedGP(ganbench.Penalty):
    """(‖∇D(x̂)‖ - 1)² at x̂ = αx + (1-α)G(z), α per sample from each member's draws."""

    name: ClassVar[str] = "kit-gp"

    def __call__(self, critic, real, fake, draws):
        alpha = draws.uniform(real.shape[1], *([1] * (real.dim() - 2))).to(real.dtype)
        x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        return (grad.flatten(2).norm(dim=-1) - 1).square().mean(dim=-1)


def test_a_correct_penalty_passes():
    check_penalty(InterpolatedGP)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda self, critic, real, fake, draws: InterpolatedGP.__call__(
                self, critic, real / real.std(), fake, draws
            ),
            "member 0 gets .* alone",
        ),
        (
            lambda self, critic, real, fake, draws: InterpolatedGP.__call__(self, critic, real, fake, draws).sum(),
            "shape",
        ),
        (
            lambda self, critic, real, fake, draws: InterpolatedGP.__call__(
                self, critic, real, fake, Draws([int(torch.randint(1000, ()))] * real.shape[0], dtype=real.dtype)
            ),
            "the same draws give different values",
        ),
        (lambda self, critic, real, fake, draws: real.sum(dim=(1, 2, 3)), "does not depend on the critic's parameters"),
    ],
    ids=["mixes-members", "scalar", "global-rng", "no-critic"],
)
def test_a_broken_penalty_fails_with_the_reason(call, message):
    with pytest.raises(AssertionError, match=rf"penalty 'kit-gp'.*{message}"):
        check_penalty(variant(InterpolatedGP, __call__=call))


def test_draws_are_each_members_own():
    both = Draws([1, 2])
    assert torch.equal(both.uniform(3)[1], Draws([2]).uniform(3)[0])
    assert both.normal(4, 2).shape == (2, 4, 2)


# ------------------------------------------------------------------ models


def test_a_model_whose_critic_keeps_a_trailing_dimension_fails(registry):
    from ganbench.models.mlp import MLP

    def build(self, dataset):
        gen, critic = MLP.build(self, dataset)
        return gen, critic.body  # (B, 1) outputs instead of (B,)

    with pytest.raises(AssertionError, match=r"model 'mlp'.*the critic maps \(5, 2\) samples to \(5, 1\), expected"):
        check_model(variant(MLP, build=build))


# ------------------------------------------------------------------ packing (PacGAN)


def test_a_penalty_that_assumes_the_sample_shape_fails_on_packs():
    def call(self, critic, real, fake, draws):  # the (2, 3) samples of the unpacked check, hard-coded
        k, b = real.shape[:2]
        return InterpolatedGP.__call__(self, critic, real.reshape(k, b, 2, 3), fake.reshape(k, b, 2, 3), draws)

    with pytest.raises(AssertionError, match=r"penalty 'kit-gp' on packs of 2: raises RuntimeError"):
        check_penalty(variant(InterpolatedGP, __call__=call))


def test_a_model_whose_critic_ignores_the_datasets_shape_fails_on_packs(registry):
    from ganbench.models.mlp import MLP, FlatCritic, _mlp

    def build(self, dataset):
        gen, _ = MLP.build(self, dataset)
        return gen, FlatCritic(_mlp(2, 1, self.width, self.depth, self.d_activation))  # always 2 inputs

    with pytest.raises(AssertionError, match=r"model 'mlp'.*the critic built for packs of 2 \(shape \(4,\)\) fails"):
        check_model(variant(MLP, build=build))


def test_a_model_whose_critic_reads_only_part_of_a_pack_fails(registry):
    from ganbench.models.mlp import MLP

    class FirstSample(torch.nn.Module):
        def __init__(self, critic, width):
            super().__init__()
            self.critic, self.width = critic, width

        def forward(self, x):
            return self.critic(torch.cat([x[:, : self.width], torch.zeros_like(x[:, self.width :])], dim=1))

    def build(self, dataset):
        gen, critic = MLP.build(self, dataset)
        return gen, FirstSample(critic, 2)  # judges the first sample of a pack only

    with pytest.raises(AssertionError, match=r"model 'mlp'.*packs of 2 ignores samples \[1, 3\] of its packs"):
        check_model(variant(MLP, build=build))
