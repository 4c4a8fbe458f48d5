"""The contract kit on the losses plugin authors write: one with no known divergence passes and
its estimate's checks are skipped with the reason; a generator loss aimed at the wrong target or
with its sign flipped fails the generator step, which LSGAN's midpoint target passes; a numeric
option is tried over its range, and one missing its bound is told to declare it."""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import pytest
import torch
import torch.nn.functional as F

import ganbench
from ganbench.plugins import load_plugins
from ganbench.testing import check_estimate, check_objective
from ganbench.testing.generator_step import check_generator_step
from ganbench.testing.option_range import Point, option_points
from tests.helpers.project import ROOT

PLUGINS = load_plugins(ROOT / "plugins")
CAUCHY = PLUGINS.get("objectives", "cauchy-ls")


def variant(base, **attrs):
    return dataclasses.dataclass(frozen=True)(type(base.__name__ + "Variant", (base,), dict(attrs)))


def wrong_target(self, real, fake):
    return ganbench.mean(torch.log1p((fake + 1) ** 2))  # should be (fake - 1)²: the reals' label


def sign_flipped(self, real, fake):
    return -ganbench.mean(torch.log1p((fake - 1) ** 2))


# ------------------------------------------------------------------ no divergence


def test_the_example_without_a_divergence_passes_the_kit_and_skips_the_estimates_checks():
    assert CAUCHY.divergence is None and not CAUCHY.estimates_divergence()
    check_objective(CAUCHY)
    with pytest.raises(pytest.skip.Exception, match="'cauchy-ls' declares divergence = None: it estimates no"):
        check_estimate(CAUCHY)


def test_an_objective_with_a_divergence_runs_the_estimates_checks_in_their_own_test():
    check_estimate(PLUGINS.get("objectives", "lsgan-symmetric"))  # no skip
    reversed_estimate = variant(
        PLUGINS.get("objectives", "lsgan-symmetric"), estimate=lambda self, real, fake: -ganbench.mean(real - fake)
    )
    with pytest.raises(AssertionError, match="property 'estimate orientation'"):
        check_estimate(reversed_estimate)


def test_a_declared_optimum_without_a_divergence_is_a_fault():
    with pytest.raises(AssertionError, match="declares divergence = None, so it has no estimate to check"):
        check_objective(CAUCHY, {}, optimal_critic=lambda lr: lr, f_divergence=lambda u: u)


def test_a_heavy_tailed_loss_outside_its_declared_range_says_which_property_and_how_to_declare_it():
    """At scale 0.1, moving a score beyond a label costs the Cauchy loss more than it gains:
    the kit names the property and the declaration (critic_range), not a looser loss."""
    undeclared = variant(CAUCHY, critic_range=None)
    with pytest.raises(AssertionError) as err:
        check_objective(undeclared, {"scale": 0.1})
    assert "property 'critic orientation'" in str(err.value)
    assert "critic_range: ClassVar[tuple[float, float]] = (low, high)" in str(err.value)
    check_objective(CAUCHY, {"scale": 0.1})  # declared: checked inside (-1, 1), and it passes


# ------------------------------------------------------------------ the generator step


@pytest.mark.parametrize(("loss", "name"), [(wrong_target, "wrong target"), (sign_flipped, "sign flipped")])
def test_a_wrong_generator_loss_fails_the_generator_step(loss, name):
    broken = variant(CAUCHY, generator_loss=loss)()
    with pytest.raises(AssertionError, match="property 'generator step': one generator step moves the fakes away"):
        check_generator_step(broken, name)


def test_the_wrong_target_that_the_symmetric_pair_misses_fails_the_kit():
    """Without critic_range the orientation check compares two points symmetric about -1, where
    log(1 + (D + 1)²) is equal: only the generator step catches it."""
    broken = variant(CAUCHY, critic_range=None, generator_loss=wrong_target)
    with pytest.raises(AssertionError, match=r"property 'generator step'.*check its target and its sign"):
        check_objective(broken, {})


def test_a_flipped_generator_loss_fails_the_kit():
    with pytest.raises(AssertionError, match="property 'generator"):
        check_objective(variant(CAUCHY, generator_loss=sign_flipped), {})


@dataclasses.dataclass(frozen=True)
class LeastSquares(ganbench.Objective):
    """LSGAN with labels a (fake), b (real) and generator target c (Mao et al. 2017)."""

    name: ClassVar[str] = "kit-ls"
    divergence: ClassVar[None] = None
    a: float = -1.0
    b: float = 1.0
    c: float = 0.0

    def critic_loss(self, real, fake):
        return 0.5 * ganbench.mean((real - self.b) ** 2) + 0.5 * ganbench.mean((fake - self.a) ** 2)

    def generator_loss(self, real, fake):
        return 0.5 * ganbench.mean((fake - self.c) ** 2)


@pytest.mark.parametrize(("a", "b", "c"), [(-1.0, 1.0, 0.0), (-1.0, 1.0, 1.0), (0.0, 1.0, 1.0), (0.0, 1.0, 0.5)])
def test_lsgan_targets_at_the_labels_midpoint_or_the_real_label_pass(a, b, c):
    check_generator_step(LeastSquares(a, b, c), f"lsgan ({a}, {b}, {c})")


def test_a_generator_target_at_the_fake_label_fails():
    with pytest.raises(AssertionError, match="property 'generator step'"):
        check_generator_step(LeastSquares(-1.0, 1.0, -1.0), "lsgan (-1, 1, -1)")


# ------------------------------------------------------------------ options over their range


@dataclasses.dataclass(frozen=True)
class Scaled(ganbench.Objective):
    """The logistic GAN on critic outputs divided by ``scale``, which has no lower bound."""

    name: ClassVar[str] = "kit-scaled"
    divergence: ClassVar[str] = "Jensen-Shannon"
    scale: float = ganbench.param(1.0, help="divides the critic's outputs")

    def critic_loss(self, real, fake):
        return ganbench.mean(F.softplus(-real / self.scale)) + ganbench.mean(F.softplus(fake / self.scale))

    def generator_loss(self, real, fake):
        return ganbench.mean(F.softplus(-fake / self.scale))

    def estimate(self, real, fake):
        return math.log(2.0) - 0.5 * self.critic_loss(real, fake)


def test_an_option_missing_its_bound_is_told_to_declare_one():
    with pytest.raises(AssertionError) as err:
        check_objective(Scaled)
    message = str(err.value)
    assert message.startswith(
        "objective 'kit-scaled': declare a bound: option 'scale' has no bound below its default 1.0 and the loss "
        "fails at scale = 0.0; declare the range it works in, scale: ... = ganbench.param(1.0, min=0, "
        "exclusive_min=True), or refuse the value in validate(). What failed: objective 'kit-scaled' with "
        "scale = 0.0, outputs in [-50, 50]: critic_loss is not finite"
    )


def test_with_its_bound_declared_the_option_passes_over_its_range():
    @dataclasses.dataclass(frozen=True)
    class Bounded(Scaled):
        scale: float = ganbench.param(1.0, min=0.0, exclusive_min=True, help="divides the critic's outputs")

    check_objective(Bounded)


def test_a_declared_bound_at_which_the_loss_fails_is_a_plain_failure():
    @dataclasses.dataclass(frozen=True)
    class Inclusive(Scaled):
        scale: float = ganbench.param(1.0, min=0.0, max=10.0, help="divides the critic's outputs")

    with pytest.raises(AssertionError) as err:
        check_objective(Inclusive)
    assert str(err.value).startswith(
        "objective 'kit-scaled' with scale = 0.0, outputs in [-50, 50]: critic_loss is not finite"
    )
    assert "declare a bound" not in str(err.value)


def test_the_values_tried_bounds_just_inside_interior_and_probes_nearest_first():
    @dataclasses.dataclass(frozen=True)
    class Options(Scaled):
        scale: float = ganbench.param(1.0, min=0.0, exclusive_min=True, max=10.0)
        steps: int = ganbench.param(5, min=1, max=9)
        free: float = ganbench.param(1.0)

    points = option_points(Options)
    assert [(p.value, p.declared) for p in points if p.option == "scale"] == [
        (0.01, True),
        (10.0, True),
        (2.5, True),
        (5.0, True),
        (7.5, True),
    ]
    assert [p.value for p in points if p.option == "steps"] == [1, 9, 3, 7]
    assert [p for p in points if p.option == "free"] == [
        Point("free", v, False) for v in (0.1, 0.0, -0.1, -1.0, 10.0, -10.0, 100.0, -100.0)
    ]


def test_an_option_is_tried_at_its_bound_with_the_generator_step():
    """A generator target as an option: at its declared lower bound, the fakes' label, only the
    generator step fails (the orientation check's pair about -1 cannot tell)."""

    @dataclasses.dataclass(frozen=True)
    class Targeted(CAUCHY):
        critic_range: ClassVar[None] = None
        scale: float = ganbench.param(1.0, min=1.0, max=10.0, help="the loss's scale s")
        target: float = ganbench.param(1.0, min=-1.0, max=1.0, help="the generator's target")

        def generator_loss(self, real, fake):
            return ganbench.mean(torch.log1p((fake - self.target) ** 2))

    check_objective(Targeted, {})  # the default target, the reals' label, is right
    with pytest.raises(AssertionError, match=r"^objective 'cauchy-ls' with target = -1\.0: property 'generator step'"):
        check_objective(Targeted)
