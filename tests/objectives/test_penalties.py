"""Critic regularisers against hand-computed gradients, one sample at a time.

The critic D(x) = ½‖xS‖² has gradient ∇D(x) = S Sᵀ x, so the gradient norm differs from
sample to sample and every formula can be written out by hand here.  Random coefficients
are reproduced by reseeding torch's generator and drawing in the order each penalty's
docstring states. Penalties are computed for K members at once; here K = 1, and
:func:`penalty` wraps one critic and one batch as that member (see :func:`tests.helpers.penalties.alone`).
"""

from __future__ import annotations

import pytest
import torch

from ganbench.components import build
from ganbench.errors import ConfigError
from ganbench.suite import load_suite
from tests.helpers.penalties import GlobalDraws, alone

S = torch.tensor([[0.5, 0.0], [0.0, 3.0]])
REAL = torch.tensor([[1.0, 2.0], [2.0, -1.0], [0.5, 0.05], [0.1, 0.0]])
FAKE = torch.tensor([[-1.0, 0.0], [1.0, 1.0], [0.0, -2.0], [0.2, 0.1]])


def critic(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((x @ S) ** 2).sum(dim=1)


def grad(x: torch.Tensor) -> torch.Tensor:
    """∇D at each row of x, by hand."""
    return (x @ S) @ S.T


def penalty(registry, name: str):
    """The penalty, returning a detached value (these tests compare numbers)."""
    fn = build(registry.get("penalties", name), {}, name)
    return lambda critic, real, fake: alone(fn, critic, real, fake).detach()


def test_every_penalty_is_registered(registry):
    assert {"gp", "gp-one-sided", "r1", "r2", "dragan"} <= set(registry.names("penalties"))


def test_r1_is_half_the_mean_squared_gradient_norm_on_reals(registry):
    value = penalty(registry, "r1")(critic, REAL, FAKE)
    expected = 0.5 * (grad(REAL).norm(dim=1) ** 2).mean()
    assert float(value) == pytest.approx(float(expected), rel=1e-6)
    # fakes play no part
    assert float(penalty(registry, "r1")(critic, REAL, 10 * FAKE)) == pytest.approx(float(expected), rel=1e-6)
    # per sample: the batch value is the mean of the single-sample values
    singles = [float(penalty(registry, "r1")(critic, REAL[i : i + 1], FAKE[i : i + 1])) for i in range(len(REAL))]
    assert float(value) == pytest.approx(sum(singles) / len(singles), rel=1e-6)


def test_r2_is_half_the_mean_squared_gradient_norm_on_fakes(registry):
    value = penalty(registry, "r2")(critic, REAL, FAKE)
    expected = 0.5 * (grad(FAKE).norm(dim=1) ** 2).mean()
    assert float(value) == pytest.approx(float(expected), rel=1e-6)
    assert float(penalty(registry, "r2")(critic, 10 * REAL, FAKE)) == pytest.approx(float(expected), rel=1e-6)


def test_one_sided_gradient_penalty_only_counts_norms_above_one(registry):
    torch.manual_seed(3)
    value = penalty(registry, "gp-one-sided")(critic, REAL, FAKE)
    torch.manual_seed(3)
    alpha = torch.rand(len(REAL), 1)  # the same per-sample draws
    norms = grad(alpha * REAL + (1 - alpha) * FAKE).norm(dim=1)
    assert (norms < 1).any() and (norms > 1).any(), "the fixture must have norms on both sides of 1"
    expected = (torch.clamp(norms - 1, min=0) ** 2).mean()
    assert float(value) == pytest.approx(float(expected), rel=1e-5)
    two_sided = ((norms - 1) ** 2).mean()
    assert float(value) < float(two_sided)
    torch.manual_seed(3)
    assert float(penalty(registry, "gp")(critic, REAL, FAKE)) == pytest.approx(float(two_sided), rel=1e-5)


def one_sample_norms(points: torch.Tensor) -> torch.Tensor:
    """‖∇D‖ at each point, by autograd on that point alone (no batch to mix samples in)."""
    norms = []
    for point in points:
        x = point.unsqueeze(0).requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x)
        norms.append(g.norm())
    return torch.stack(norms)


def test_dragan_penalises_per_sample_at_perturbed_real_points(registry):
    seen: list[torch.Tensor] = []

    def recording_critic(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.detach().clone())  # the points the penalty evaluates the critic at
        return critic(x)

    torch.manual_seed(5)
    value = penalty(registry, "dragan")(recording_critic, REAL, FAKE)
    torch.manual_seed(5)
    alpha = torch.rand(len(REAL), 1)  # one coefficient per sample ...
    u = torch.rand(REAL.shape)  # ... then uniform noise per coordinate
    std = float(REAL.flatten().numpy().std())  # NumPy's (population) std of the whole batch
    x_tilde = REAL + alpha * 0.5 * std * u
    norms = grad(x_tilde).norm(dim=1)
    expected = ((norms - 1) ** 2).mean()
    assert float(value) == pytest.approx(float(expected), rel=1e-5)
    # Whatever it drew: each point is its real sample moved up by at most half the batch's
    # standard deviation, and the value is the mean of the one-sample penalties there.
    (points,) = seen
    assert ((points - REAL >= 0) & (points - REAL <= 0.5 * std + 1e-6)).all()
    assert float(value) == pytest.approx(float(((one_sample_norms(points) - 1) ** 2).mean()), rel=1e-5)
    # the fakes play no part
    torch.manual_seed(5)
    assert float(penalty(registry, "dragan")(critic, REAL, 100 * FAKE)) == pytest.approx(float(expected), rel=1e-5)


def test_dragan_points_stay_within_half_a_standard_deviation_above_the_data():
    from ganbench.penalties import dragan_points

    torch.manual_seed(0)
    real = torch.randn(512, 3)
    points = dragan_points(real.unsqueeze(0), GlobalDraws())[0]
    shift = points - real
    half_std = 0.5 * float(real.std(correction=0))
    assert float(shift.min()) >= 0.0 and float(shift.max()) <= half_std
    assert float(shift.max()) > 0.8 * half_std  # and actually spreads over that range


@pytest.mark.parametrize("name", ["gp", "gp-one-sided", "r1", "r2", "dragan"])
def test_penalties_differentiate_into_the_critics_parameters(registry, name):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1), torch.nn.Flatten(0))
    with torch.no_grad():
        net[2].weight.mul_(20.0)  # gradient norms well above 1, so the one-sided penalty is active
    value = alone(build(registry.get("penalties", name), {}, name), net, torch.randn(16, 2), torch.randn(16, 2))
    assert value.shape == () and torch.isfinite(value) and float(value.detach()) > 0
    # the last bias does not change ∇ₓD, so it gets no gradient
    grads = [g for g in torch.autograd.grad(value, list(net.parameters()), allow_unused=True) if g is not None]
    assert len(grads) == 3 and all(torch.isfinite(g).all() for g in grads)
    assert all(float(g.abs().sum()) > 0 for g in grads)


@pytest.mark.parametrize("name", ["gp-one-sided", "r1", "r2", "dragan"])
def test_any_objective_takes_any_penalty_in_a_suite(registry, tmp_path, name):
    suite = tmp_path / "s.toml"
    suite.write_text(
        '[[datasets]]\nname = "ring"\n\n'
        f'[[objectives]]\nname = "kl"\npenalty = "{name}"\npenalty_weight = 10\n\n'
        f'[[objectives]]\nname = "hinge"\npenalty = "{name}"\npenalty_weight = 0.5\n'
    )
    trials = load_suite(suite, registry).trials
    assert {(t.objective.name, t.objective.hyper.penalty) for t in trials} == {
        ("kl", name),
        ("hinge", name),
    }
    assert {t.objective.hyper.penalty_weight for t in trials} == {10.0, 0.5}


def test_an_unknown_penalty_names_the_choices(registry, tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text('[[datasets]]\nname = "ring"\n\n[[objectives]]\nname = "kl"\npenalty = "r3"\n')
    with pytest.raises(ConfigError, match="unknown penalty 'r3'"):
        load_suite(suite, registry)
