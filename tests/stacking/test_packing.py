"""Packing (PacGAN): samples taken m at a time, concatenated along their first feature axis,
and the critic losses and gradient penalties computed on such packs, checked against hand
computations (plain Python arithmetic on hand-made samples, not the code under test)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganbench.datasets.mixtures import Ring
from ganbench.models.mlp import MLP
from ganbench.objectives.classic import Minimax
from ganbench.penalties import GradientPenalty
from ganbench.stacking.losses import Span, critic_losses
from ganbench.stacking.nets import StackedNet
from ganbench.stacking.packing import PackedView, build_networks, pack
from ganbench.testing.penalties import Draws


def test_a_pack_is_m_consecutive_samples_concatenated_along_the_first_feature_axis():
    x = torch.arange(2 * 6 * 2).reshape(2, 6, 2)  # 2 members, 6 samples of 2 coordinates
    packed = pack(x, 3)
    assert packed.shape == (2, 2, 6)
    # member 1, pack 1: its samples 3, 4, 5, one after the other
    assert packed[1, 1].tolist() == x[1, 3].tolist() + x[1, 4].tolist() + x[1, 5].tolist()
    images = torch.randn(1, 4, 3, 5, 5)  # 4 images of 3 channels: packs of 2 have 6 channels
    assert torch.equal(pack(images, 2)[0, 1], torch.cat([images[0, 2], images[0, 3]]))


def test_packing_one_at_a_time_is_the_identity_bit_for_bit():
    x = torch.randn(3, 7, 2, dtype=torch.float64)
    assert torch.equal(pack(x, 1), x)
    assert pack(x, 1).data_ptr() == x.data_ptr()  # not even a copy


def test_samples_that_do_not_fill_their_packs_are_refused():
    with pytest.raises(ValueError, match="cannot pack"):
        pack(torch.randn(1, 5, 2), 2)
    with pytest.raises(ValueError, match="pack must be >= 1"):
        pack(torch.randn(1, 4, 2), 0)


def test_a_packed_view_has_the_packs_shape_and_samples_and_the_datasets_parameters():
    ring = Ring(modes=5, radius=3.0)
    view = PackedView(ring, 3)
    assert view.shape == (6,)
    assert (view.modes, view.radius) == (5, 3.0)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(view.sample(4, generator=g1), ring.sample(12, generator=g2).reshape(4, 6))


def test_without_packing_the_networks_are_the_models_own_from_the_same_random_numbers():
    model = MLP(width=8, depth=1)
    torch.manual_seed(3)
    gen, critic = model.build(Ring())
    after = torch.rand(1)
    torch.manual_seed(3)
    gen1, critic1 = build_networks(model, Ring(), 1)
    assert torch.equal(torch.rand(1), after)  # the same random numbers consumed
    for a, b in ((gen, gen1), (critic, critic1)):
        assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    torch.manual_seed(3)
    gen2, critic2 = build_networks(model, Ring(), 2)
    assert all(torch.equal(p, q) for p, q in zip(gen.state_dict().values(), gen2.state_dict().values(), strict=True))
    assert critic2.state_dict()["body.0.weight"].shape == (8, 4)  # its first layer reads 2·2 coordinates


class Linear(nn.Module):
    """D(x) = w·x + b on packs of 2 planar points (4 coordinates)."""

    def __init__(self, w: list[float], b: float) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))
        self.b = nn.Parameter(torch.tensor(b, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


W, B = [0.5, -1.0, 2.0, 0.25], 0.1
REAL = [(1.0, 0.0), (0.0, 1.0), (2.0, -1.0), (0.5, 0.5)]  # two packs: samples 0, 1 and 2, 3
FAKE = [(-1.0, 2.0), (0.0, 0.0), (1.5, 1.0), (-0.5, -2.0)]


def hand_outputs(samples: list[tuple[float, float]]) -> list[float]:
    packs = [samples[0] + samples[1], samples[2] + samples[3]]  # tuples: concatenation
    return [sum(w * x for w, x in zip(W, p, strict=True)) + B for p in packs]


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def test_a_packed_critics_minimax_loss_equals_the_hand_computation():
    critic = StackedNet.stack([Linear(W, B)], "cpu", torch.float64)
    real = pack(torch.tensor([REAL], dtype=torch.float64), 2)
    fake = pack(torch.tensor([FAKE], dtype=torch.float64), 2)
    span = Span(slice(0, 1), Minimax(), None, None, needs_real=False)
    loss = critic_losses(critic, [span], real, fake, Draws([0], dtype=torch.float64))
    d_real, d_fake = hand_outputs(REAL), hand_outputs(FAKE)
    # BCE: -E log σ(D(x)) - E log(1 - σ(D(G(z)))), over the 2 packs of each side
    expected = sum(softplus(-d) for d in d_real) / 2 + sum(softplus(d) for d in d_fake) / 2
    assert loss.shape == (1,)
    assert float(loss[0].detach()) == pytest.approx(expected, rel=1e-12)


class Quadratic(nn.Module):
    """D(x) = w·x + c‖x‖² on (K, B, 4) packs: ∇D(x) = w + 2c·x depends on the point, so the
    penalty sees where each pack's interpolate lies."""

    def __init__(self, w: list[float], c: float) -> None:
        super().__init__()
        self.w = torch.tensor(w, dtype=torch.float64)
        self.c = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.c * x.square().sum(-1)


def test_a_gradient_penalty_on_packs_interpolates_pack_against_pack_with_one_norm_each():
    c, seed = 0.3, 11
    real = pack(torch.tensor([REAL], dtype=torch.float64), 2)
    fake = pack(torch.tensor([FAKE], dtype=torch.float64), 2)
    value = GradientPenalty()(Quadratic(W, c), real, fake, Draws([seed], dtype=torch.float64))
    # by hand: one α per pack, drawn from the member's generator in pack order
    alphas = torch.rand((2, 1), generator=torch.Generator().manual_seed(seed), dtype=torch.float64).flatten()
    terms = []
    for i, alpha in enumerate(alphas.tolist()):
        r, f = REAL[2 * i] + REAL[2 * i + 1], FAKE[2 * i] + FAKE[2 * i + 1]
        point = [alpha * a + (1 - alpha) * b for a, b in zip(r, f, strict=True)]
        grad = [w + 2 * c * x for w, x in zip(W, point, strict=True)]
        terms.append((math.sqrt(sum(g * g for g in grad)) - 1.0) ** 2)
    assert value.shape == (1,)
    assert float(value[0].detach()) == pytest.approx(sum(terms) / 2, rel=1e-10)
