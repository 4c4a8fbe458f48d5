"""Trained critics estimate their divergence: P = N(0, 1), Q = N(1, 1), true values from
`tests/helpers/reference.py` (quadrature, independent of the objective code).

For each objective a small MLP critic is trained on fixed samples (10⁵ of each) with
the objective's own critic loss, default penalty and weight clipping; the critic at the
step whose training objective is best on a validation set is kept, and its estimate is
measured on a held-out test set of 10⁶ samples of each.  A fixed critic's estimate is a
lower bound on the divergence in expectation, so on held-out data it may exceed the
truth by Monte-Carlo error only; how close below the truth it gets is the critic's and
the optimiser's doing.

Tolerances are what was measured plus a stated margin.  The critics are trained with a
fixed seed (0), so on one machine every figure is reproducible; the margins cover what
another machine's floating-point order could change, judged by training the same critics
from seeds 1 and 2 as well (`train_critic(..., seed=s)`).  Relative to the true value
(to 2·JSD for the GAN row):

- every estimate in `cases()` lies within 2% below the truth (`BELOW`).  Measured with
  seed 0: +0.0% to +0.3% for the f-divergences, minimax and LSGAN (above the truth by
  Monte-Carlo error, within 4 SE), -0.5% for hinge, +5.4% for WGAN-GP; the worst over
  seeds 0-2 is hinge's -0.6%, and between seeds no estimate moved by more than 0.1
  points (WGAN-GP: 0.3).  2% is that worst case plus a margin of 1.4 points.  (Seed 2's
  WGAN-GP critic starts out rising where the optimum falls, and the penalty, which
  charges 10·(|slope| - 1)², holds it on that side: it ends with slope about +1 and an
  estimate of -0.95.  Seed 0's starts out falling.  The fixed seed fixes that too.)
- Neyman χ² is the exception, explained at `test_neyman_critic_is_a_bound_where_it_has_data`;
- WGAN-GP may exceed W1 by up to 6%: see its case below; WGAN-clip and RaGAN have their
  own tests, with their measured figures.

Run `pytest -m slow -n 0 tests/metrics/test_trained_critic.py -s` to see the table of true and
estimated values.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from ganbench.components import build
from ganbench.objectives.fgan import FGAN, MEMBERS
from tests.helpers import reference
from tests.helpers.penalties import alone

pytestmark = pytest.mark.slow

N_TRAIN = 100_000  # samples of each distribution the critic trains on
N_VALID = 100_000  # fresh samples of each, to pick the best step
N_VALID_PENALTY = 10_000  # of which a gradient penalty sees these (it needs a backward pass)
N_TEST = 1_000_000  # fresh samples of each, for the reported estimate
BATCH = 4096
STEPS = 2_000
LR = 2e-3
EVAL_EVERY = 25


#: How far below the truth (a fraction of the scale) a trained estimate may land: the worst
#: measured, hinge's 0.6%, plus a margin of 1.4 points (see the module's docstring).
BELOW = 0.02


@dataclass(frozen=True)
class Case:
    """The estimate must lie in [truth - rel_tol·scale, truth + excess·scale + 4·SE]."""

    truth: float
    rel_tol: float = BELOW
    scale: float | None = None  # what the tolerances are relative to (default |truth|)
    excess: float = 0.0  # how far above the truth a critic may legitimately go (a soft constraint's)


def cases() -> dict[str, Case]:
    two_jsd = 2 * reference.jsd()
    tv = reference.total_variation()
    return {
        "kl": Case(reference.f_divergence("kl")),
        "reverse-kl": Case(reference.f_divergence("reverse-kl")),
        "jeffrey": Case(reference.f_divergence("jeffrey")),
        "pearson": Case(reference.f_divergence("pearson")),
        "hellinger": Case(reference.f_divergence("hellinger")),
        "fgan-js": Case(two_jsd),
        # 2·JSD - log 4: relative to its distance from its value at p = q (-log 4), i.e. to 2·JSD
        "fgan-gan": Case(two_jsd - math.log(4.0), scale=two_jsd),
        "tv": Case(tv),
        "minimax": Case(reference.jsd()),
        "hinge": Case(tv),
        "lsgan": Case(reference.triangular_discrimination()),
        # The penalty is soft: a critic of slope s gains s·W1 and pays λ(s - 1)², which peaks
        # at s = 1 + 1/(2λ) = 1.05 for λ = 10, so the estimate may exceed W1 by about 5%; it
        # came out 5.4% above (5.1% with critic seed 1), and 6% leaves 0.6 points of margin.
        "wgan-gp": Case(reference.W1, excess=0.06),
    }


def samples(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, generator=g), torch.randn(n, 1, generator=g) + 1.0


def make_critic() -> nn.Module:
    return nn.Sequential(
        nn.Linear(1, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Flatten(0)
    )


@torch.no_grad()
def held_out(objective, critic, real, fake, chunks: int = 20) -> tuple[float, float]:
    """The estimate on the whole set, and its standard error from `chunks` equal parts."""
    d_real, d_fake = critic(real), critic(fake)
    value = float(objective.estimate(d_real, d_fake))
    parts = torch.stack(
        [objective.estimate(r, f) for r, f in zip(d_real.chunk(chunks), d_fake.chunk(chunks), strict=True)]
    )
    return value, float(parts.std() / math.sqrt(chunks))


@torch.no_grad()
def lipschitz(critic: nn.Module, lo: float, hi: float, n: int = 200_001) -> float:
    """Largest slope of a 1-D piecewise-linear critic on [lo, hi], by finite differences on a
    fine grid (exact on every linear piece wider than the spacing)."""
    x = torch.linspace(lo, hi, n, dtype=torch.float64).unsqueeze(1)
    d = copy.deepcopy(critic).double()(x)
    return float(((d[1:] - d[:-1]).abs() / (x[1] - x[0])).max())


def train_critic(registry, name: str, real: torch.Tensor, fake: torch.Tensor, seed: int = 0):
    """Train a critic with the objective's critic loss (plus its default penalty and clipping)
    on minibatches of the fixed samples; return the objective and the critic at the step
    whose training objective (critic loss plus weighted penalty) is best on the validation set."""
    objective = build(registry.get("objectives", name), {}, name)
    hyper = objective.default_hyper()
    penalty = None if hyper.penalty == "none" else build(registry.get("penalties", hyper.penalty), {}, "penalty")
    torch.manual_seed(seed)
    critic = make_critic()

    def loss_on(r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        loss = objective.critic_loss(critic(r), critic(f))
        if penalty is not None:
            k = min(len(r), N_VALID_PENALTY)
            loss = loss + hyper.penalty_weight * alone(penalty, critic, r[:k], f[:k])
        return loss

    opt = torch.optim.Adam(critic.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS)
    valid_real, valid_fake = samples(N_VALID, seed + 1)
    g = torch.Generator().manual_seed(seed)
    best, best_state = math.inf, copy.deepcopy(critic.state_dict())
    for step in range(1, STEPS + 1):
        i, j = torch.randint(len(real), (BATCH,), generator=g), torch.randint(len(fake), (BATCH,), generator=g)
        loss = loss_on(real[i], fake[j])
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        if hyper.clip:
            with torch.no_grad():
                for p in critic.parameters():
                    p.clamp_(-hyper.clip, hyper.clip)
        if step % EVAL_EVERY == 0:
            with torch.set_grad_enabled(penalty is not None):  # a gradient penalty needs gradients
                value = float(loss_on(valid_real, valid_fake).detach())
            if math.isfinite(value) and value < best:
                best, best_state = value, copy.deepcopy(critic.state_dict())
    critic.load_state_dict(best_state)
    return objective, critic


TRAINED: dict[str, tuple[object, nn.Module]] = {}


def trained(registry, name: str, data) -> tuple[object, nn.Module]:
    """`train_critic` on the module's P-vs-Q training samples, once per objective."""
    if name not in TRAINED:
        (real, fake), _ = data
        TRAINED[name] = train_critic(registry, name, real, fake)
    return TRAINED[name]


@pytest.fixture(scope="module")
def data():
    torch.set_num_threads(1)
    return samples(N_TRAIN, 100), samples(N_TEST, 200)


@pytest.mark.parametrize("name", sorted(cases()))
def test_trained_critic_estimates_the_divergence_from_below(registry, data, name):
    case = cases()[name]
    _, (test_real, test_fake) = data
    objective, critic = trained(registry, name, data)
    value, se = held_out(objective, critic, test_real, test_fake)
    scale = case.scale if case.scale is not None else abs(case.truth)
    print(
        f"\n{name:12s} true {case.truth:+.4f}  trained {value:+.4f} ± {se:.4f}"
        f"  ({(value - case.truth) / scale:+.1%} of {scale:.4f})"
    )
    assert value <= case.truth + case.excess * scale + 4 * se, "estimate above the truth"
    assert value >= case.truth - case.rel_tol * scale


def fenchel_bound_on(objective: FGAN, critic: nn.Module, lo: float, hi: float, n: int = 200_001) -> float:
    """∫_lo^hi [p g_f(V) - q f*(g_f(V))] dx by the trapezoid rule.  Fenchel–Young,
    u·t - f*(t) ≤ f(u), holds at every x, so this is at most ∫_lo^hi q f(p/q) for any
    critic: the bound restricted to a range is still a bound on that range."""
    x = torch.linspace(lo, hi, n, dtype=torch.float64)
    with torch.no_grad():
        v = copy.deepcopy(critic).double()(x.unsqueeze(1))
        p = torch.as_tensor(reference.P.pdf(x.numpy()))
        q = torch.as_tensor(reference.Q.pdf(x.numpy()))
        integrand = p * objective.activation(v) - q * objective.conjugate(v)
    return float(torch.trapezoid(integrand, x))


@pytest.mark.parametrize("name", sorted(cls.name for cls in MEMBERS))
def test_fgan_critic_bound_on_the_training_range(registry, data, name):
    """Over the range where the training samples of both P and Q lie, every f-GAN critic's
    pointwise bound, integrated by quadrature (no Monte-Carlo error), lies below the true
    divergence restricted to that range and within 2% of it.  Measured: 0.0% to 0.5% below
    (Pearson χ² the most) with critic seeds 0-2, so 2% is 1.5 points of margin.  Neyman χ²
    gets 15%: its critic already turns steeper than V* near the top of that range, where a
    few dozen of the 10⁵ samples of P lie; it came out 9.9% below with seed 0 (0.4% and 3.3%
    with seeds 1 and 2: the tail is where critics differ), and 15% leaves 5 points."""
    (real, fake), _ = data
    lo = float(torch.maximum(real.min(), fake.min()))
    hi = float(torch.minimum(real.max(), fake.max()))
    objective, critic = trained(registry, name, data)
    bound = fenchel_bound_on(objective, critic, lo, hi)
    truth = reference.f_divergence(name, lo, hi)
    offset = float(reference.F_TABLE[name].f(np.array(1.0))) * (reference.Q.cdf(hi) - reference.Q.cdf(lo))
    print(f"\n{name:12s} on [{lo:.2f}, {hi:.2f}]: true {truth:+.4f}  critic's bound {bound:+.4f}")
    assert bound <= truth + 1e-6
    assert bound >= truth - (0.15 if name == "neyman" else 0.02) * abs(truth - offset)


def test_neyman_critic_is_a_bound_where_it_has_data(registry, data):
    """Neyman χ² = ∫(p - q)²/p: its activation g_f(V) = 1 - e^{-V} charges every real sample
    e^{-V}.  Beyond the last training sample of P (x ≈ 4.3) there are still samples of Q,
    from which the critic gains without limit by lowering V, so it extrapolates with a
    slope about twice the optimal V* = 1 - 2x.  The few test samples of P out there
    (x up to 5 among 10⁶) then cost e^{|V|}/n each: the held-out estimate is dominated by
    them and its spread is large (it came out at 0.99 ± 0.38 against 1.72).  No critic
    trained on finite samples can know the tail slope, so the test asserts what does
    hold: the held-out estimate does not exceed the truth, and where both training sets
    have samples the critic's pointwise bound is within 10% of the divergence there
    (`test_fgan_critic_bound_on_the_training_range[neyman]`)."""
    _, (test_real, test_fake) = data
    objective, critic = trained(registry, "neyman", data)
    truth = reference.f_divergence("neyman")
    value, se = held_out(objective, critic, test_real, test_fake)
    with torch.no_grad():
        slope = float(critic(torch.tensor([[5.0]])) - critic(torch.tensor([[4.0]])))
    print(f"\nneyman       true {truth:+.4f}  trained {value:+.4f} ± {se:.4f}  (slope on [4, 5]: {slope:.2f}; V*: -2)")
    assert value <= truth + 4 * se


def test_wgan_gp_critic_is_nearly_1_lipschitz_on_the_data(registry, data):
    """The soft constraint, where the penalty acts (between the 0.1% and 99.9% quantiles).
    The penalty's optimum slope is 1 + 1/(2λ) = 1.05 (see `cases`), and a largest slope
    above that is the soft constraint's give.  Measured: 1.10 (1.08 with critic seed 1);
    asserted: between 1 and 1.15, a margin of 0.05 above and 0.08 below."""
    (real, fake), _ = data
    both = torch.cat([real, fake]).flatten()
    lo, hi = float(both.quantile(0.001)), float(both.quantile(0.999))
    _, critic = trained(registry, "wgan-gp", data)
    k = lipschitz(critic, lo, hi)
    print(f"\nwgan-gp      largest slope on [{lo:.2f}, {hi:.2f}]: {k:.4f}")
    assert 1.0 <= k <= 1.15


def test_wgan_clip_estimates_w1_after_normalising_by_its_lipschitz_constant(registry, data):
    """A clipped critic is K-Lipschitz for a K that depends on its weights, so E_p D - E_q D
    estimates K·W1.  Dividing by the largest slope of the critic over the range of the
    test samples gives a lower bound on the empirical W1 (≈ W1 = 1).  It is well below 1:
    clipping every weight and bias to ±0.01 puts the kinks of the first layer within
    [-1, 1], so the box-constrained optimum bends across the bulk of the data and its
    slope is not K everywhere (the capacity problem Gulrajani et al. 2017 point out).
    Measured: 0.817 for this critic (0.827 and 0.821 with critic seeds 1 and 2), and about
    0.81 for every optimiser budget we tried; the test asserts the bound, and at least 0.79:
    the measured value less a margin of 0.027 (over twice the spread between seeds)."""
    _, (test_real, test_fake) = data
    objective, critic = trained(registry, "wgan-clip", data)
    value, se = held_out(objective, critic, test_real, test_fake)
    lo = float(torch.minimum(test_real.min(), test_fake.min()))
    hi = float(torch.maximum(test_real.max(), test_fake.max()))
    k = lipschitz(critic, lo, hi)
    print(f"\nwgan-clip    true W1 {reference.W1:+.4f}  E_p D - E_q D {value:.5f}, K {k:.5f}, ratio {value / k:.4f}")
    assert value / k <= reference.W1 + 4 * se / k
    assert value / k >= 0.79 * reference.W1


def test_ragan_estimate_is_positive_between_different_and_near_zero_between_equal_distributions(registry, data):
    """RaGAN's log 4 - L_D has no closed form, and over unrestricted critics its supremum
    tends to log 4 whenever p/q is unbounded (see ganbench/objectives/relativistic.py),
    so there is no true value to approach.  What holds for every critic: the value is at
    most log 4, and at most 0 (in expectation) when p = q.  What this critic class gives:
    P vs Q 0.999 ± 0.004 measured (0.997 and 1.003 with critic seeds 1 and 2), asserted at
    least 0.95 (a margin of 0.05, ten times the spread between seeds); P vs P -0.0001
    (-0.0007 and -0.0002), asserted above -0.002 (a margin of 0.0013 below the lowest)."""
    (real, _), (test_real, test_fake) = data
    objective, critic = trained(registry, "ragan", data)
    value, se = held_out(objective, critic, test_real, test_fake)
    other_real = samples(N_TRAIN, 300)[0]  # a second sample of P, as the "fake" side
    objective, critic_same = train_critic(registry, "ragan", real, other_real)
    same, same_se = held_out(objective, critic_same, test_real, samples(N_TEST, 400)[0])
    print(f"\nragan        P vs Q {value:+.4f} ± {se:.4f};  P vs P {same:+.4f} ± {same_se:.4f}")
    assert 0.95 <= value <= math.log(4.0)
    assert -0.002 < same <= 4 * same_se
