"""Each objective's losses against formulas written independently here, in NumPy, on fixed tensors.

REAL and FAKE have different means and no symmetry between them, so a loss with real and
fake swapped, or with a sign flipped inside it, gives a different number from the table."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganbench.components import build
from tests.helpers.penalties import alone

REAL = np.array([2.0, -0.5, 0.3, 1.7, -3.0, 0.0])
FAKE = np.array([-1.2, 0.4, -2.5, 0.9, 3.1, -0.1])


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# Independent formulas, from the papers, with D = sigmoid(logit) where the paper uses probabilities.
EXPECTED = {
    "minimax": {
        "critic": -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE))),
        "generator": np.mean(np.log(1 - sigmoid(FAKE))),
        # JSD lower bound: ½(E log D + E log(1 - D)) + log 2
        "estimate": 0.5 * (np.mean(np.log(sigmoid(REAL))) + np.mean(np.log(1 - sigmoid(FAKE)))) + math.log(2),
    },
    "nonsaturating": {
        "critic": -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE))),
        "generator": -np.mean(np.log(sigmoid(FAKE))),
        "estimate": 0.5 * (np.mean(np.log(sigmoid(REAL))) + np.mean(np.log(1 - sigmoid(FAKE)))) + math.log(2),
    },
    "hinge": {
        "critic": np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)),
        "generator": -np.mean(FAKE),
        "estimate": 1 - 0.5 * (np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))),
    },
    "wgan-gp": {
        "critic": np.mean(FAKE) - np.mean(REAL),
        "generator": -np.mean(FAKE),
        "estimate": np.mean(REAL) - np.mean(FAKE),
    },
    # Arjovsky et al. 2017: the same Kantorovich–Rubinstein losses as WGAN-GP; only the
    # Lipschitz constraint differs (weight clipping in the trainer, not in the losses).
    "wgan-clip": {
        "critic": np.mean(FAKE) - np.mean(REAL),
        "generator": -np.mean(FAKE),
        "estimate": np.mean(REAL) - np.mean(FAKE),
    },
    # Jolicoeur-Martineau 2018, relativistic average standard GAN (RaSGAN), with C the raw
    # critic output: D̃(x_r) = σ(C(x_r) − E_f C(x_f)) and D̃(x_f) = σ(C(x_f) − E_r C(x_r)),
    # L_D = −E_r log D̃(x_r) − E_f log(1 − D̃(x_f)),  L_G = −E_f log D̃(x_f) − E_r log(1 − D̃(x_r)).
    "ragan": {
        "critic": -np.mean(np.log(sigmoid(REAL - np.mean(FAKE)))) - np.mean(np.log(1 - sigmoid(FAKE - np.mean(REAL)))),
        "generator": -np.mean(np.log(sigmoid(FAKE - np.mean(REAL))))
        - np.mean(np.log(1 - sigmoid(REAL - np.mean(FAKE)))),
        # log 4 − L_D: zero for a constant critic (σ(0) = ½ on both sides)
        "estimate": math.log(4)
        + np.mean(np.log(sigmoid(REAL - np.mean(FAKE))))
        + np.mean(np.log(1 - sigmoid(FAKE - np.mean(REAL)))),
    },
    "lsgan": {
        "critic": 0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2),
        "generator": 0.5 * np.mean((FAKE - 1) ** 2),
        "estimate": 2 - 8 * (0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2)),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_losses_match_independent_formulas(registry, name):
    objective = build(registry.get("objectives", name), {}, name)
    real, fake = torch.tensor(REAL), torch.tensor(FAKE)
    assert float(objective.critic_loss(real, fake)) == pytest.approx(EXPECTED[name]["critic"], rel=1e-12)
    # only RaGAN's generator loss reads the critic's outputs on real data
    generator_real = real if objective.generator_needs_real else None
    assert float(objective.generator_loss(generator_real, fake)) == pytest.approx(
        EXPECTED[name]["generator"], rel=1e-12
    )
    assert float(objective.estimate(real, fake)) == pytest.approx(EXPECTED[name]["estimate"], rel=1e-12)


def test_objective_defaults_follow_the_design_notes(registry):
    wgan = registry.get("objectives", "wgan-gp").default_hyper()
    assert (wgan.n_critic, wgan.lr_d, wgan.lr_g, wgan.betas, wgan.penalty, wgan.penalty_weight) == (
        5,
        1e-4,
        1e-4,
        (0.0, 0.9),
        "gp",
        10.0,
    )
    hinge = registry.get("objectives", "hinge").default_hyper()
    assert (hinge.n_critic, hinge.lr_d, hinge.betas) == (5, 2e-4, (0.0, 0.9))
    # Arjovsky et al. 2017, Algorithm 1: c = 0.01, n_critic = 5, learning rate 5e-5; no penalty
    clip = registry.get("objectives", "wgan-clip").default_hyper()
    assert (clip.clip, clip.n_critic, clip.lr_d, clip.lr_g, clip.penalty) == (0.01, 5, 5e-5, 5e-5, "none")
    ns = registry.get("objectives", "nonsaturating").default_hyper()
    assert (ns.n_critic, ns.lr_d, ns.betas, ns.penalty) == (1, 2e-4, (0.5, 0.999), "none")


def test_minimax_estimate_at_the_optimal_critic_is_the_jsd():
    """Discrete P, Q: with logits log(p/q) the estimate equals JSD computed by scipy."""
    from scipy.spatial.distance import jensenshannon

    from ganbench.objectives.classic import Minimax

    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.1, 0.3, 0.6])
    # Weighted "batches": repeat each atom in proportion to its probability.
    counts_p, counts_q = (p * 1000).astype(int), (q * 1000).astype(int)
    logits = np.log(p / q)
    real = torch.tensor(np.repeat(logits, counts_p))
    fake = torch.tensor(np.repeat(logits, counts_q))
    jsd = jensenshannon(p, q, base=math.e) ** 2
    assert float(Minimax().estimate(real, fake)) == pytest.approx(jsd, rel=1e-9)


def test_hinge_and_lsgan_estimates_at_their_optimal_critics(registry):
    """Discrete P, Q: TV = ½Σ|p-q| at D = sign(p-q); Δ = Σ(p-q)²/(p+q) at D = p/(p+q)."""
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.1, 0.25, 0.65])
    counts_p, counts_q = (p * 1000).astype(int), (q * 1000).astype(int)

    def batches(values):
        return torch.tensor(np.repeat(values, counts_p)), torch.tensor(np.repeat(values, counts_q))

    hinge = build(registry.get("objectives", "hinge"), {}, "hinge")
    assert float(hinge.estimate(*batches(np.sign(p - q)))) == pytest.approx(0.5 * np.abs(p - q).sum(), rel=1e-9)
    lsgan = build(registry.get("objectives", "lsgan"), {}, "lsgan")
    assert float(lsgan.estimate(*batches(p / (p + q)))) == pytest.approx(((p - q) ** 2 / (p + q)).sum(), rel=1e-9)


def test_gradient_penalty_is_per_sample(registry):
    """A critic whose gradient norm differs per sample: E(‖∇D‖ - 1)², not (‖∇ of the batch‖ - 1)²,
    at interpolates with one α per sample."""
    penalty = build(registry.get("penalties", "gp"), {}, "gp")
    scale = torch.tensor([[0.5, 0.0], [0.0, 3.0]])  # D(x) = ½x₁² … gradient (x₁, 0) etc.
    seen: list[torch.Tensor] = []

    def critic(x):
        seen.append(x.detach().clone())  # the points the penalty evaluates the critic at
        return 0.5 * ((x @ scale) ** 2).sum(dim=1)

    real = torch.tensor([[1.0, 2.0], [2.0, -1.0], [0.5, 0.5]])
    fake = torch.tensor([[-1.0, 0.0], [1.0, 1.0], [0.0, -2.0]])
    torch.manual_seed(0)
    value = float(alone(penalty, critic, real, fake).detach())
    torch.manual_seed(0)
    alpha = torch.rand(3, 1)  # the same per-sample draws
    x_hat = alpha * real + (1 - alpha) * fake
    grads = (x_hat @ scale) @ scale.T  # ∇ of ½‖x S‖² is S Sᵀ x
    expected = ((grads.norm(dim=1) - 1) ** 2).mean()
    assert value == pytest.approx(float(expected), rel=1e-6)

    # Whatever it drew: every point lies on its own sample's segment, with one coefficient for
    # all of a sample's coordinates and a different one for each sample ...
    (points,) = seen
    coefficients = (points - fake) / (real - fake)  # no coordinate of real equals fake's here
    assert torch.allclose(coefficients[:, :1].expand(-1, 2), coefficients, atol=1e-6)
    assert ((coefficients >= 0) & (coefficients <= 1)).all()
    assert len(torch.unique(coefficients[:, 0])) == len(real)
    # ... and the value is the mean of the one-sample penalties there, each gradient taken by
    # autograd on that sample alone.
    singles = []
    for point in points:
        x = point.unsqueeze(0).requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x)
        singles.append((float(g.norm()) - 1) ** 2)
    assert value == pytest.approx(float(np.mean(singles)), rel=1e-6)
