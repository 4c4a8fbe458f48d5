"""PacGAN's 2-D networks (``pacgan-mlp``): the authors' architecture in closed form, their
N(0, 0.02) initialisation, maxout and batch norm by hand, the contract kit, and vectorised
groups that give each trial exactly its solo run."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from ganbench.datasets.base import Dataset
from ganbench.datasets.mixtures import Grid, Ring
from ganbench.models.pacgan import BatchNorm, Maxout, PacGANMLP
from ganbench.stacking.nets import StackedNet
from ganbench.suite import load_suite
from ganbench.testing import check_model
from ganbench.training import EngineOptions
from ganbench.training.grouping import exact
from tests.training.test_vectorized import assert_close, run_grouped_and_alone


@dataclasses.dataclass(frozen=True)
class Packed(Dataset):
    """A dataset view whose samples are m planar points side by side, shape (m, 2)."""

    name = "packed"
    m: int = 3

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.m, 2)

    def sample(self, n, generator=None, device="cpu"):
        return Ring().sample(n * self.m, generator=generator, device=device).view(n, self.m, 2)


def linear_shapes(net: nn.Module) -> list[tuple[int, ...]]:
    return [tuple(m.weight.shape) for m in net.modules() if isinstance(m, nn.Linear)]


def count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


# ---------------------------------------------------------------- the authors' architecture


def test_the_authors_critic_on_planar_data_is_three_maxout_layers_of_200_units_of_5_pieces():
    gen, critic = PacGANMLP().build(Ring())
    assert linear_shapes(critic) == [(1000, 2), (1000, 200), (1000, 200), (1, 200)]
    # 3 maxout layers (n_in·1000 weights + 1000 biases each) and the output layer (200 + 1)
    assert count(critic) == (2 * 1000 + 1000) + 2 * (200 * 1000 + 1000) + (200 + 1) == 405_201
    # 4 hidden layers without bias, each with batch norm's scale and shift, then 400 -> 2 with bias
    assert linear_shapes(gen) == [(400, 2), (400, 400), (400, 400), (400, 400), (2, 400)]
    assert [m.bias is None for m in gen.modules() if isinstance(m, nn.Linear)] == [True] * 4 + [False]
    assert sum(isinstance(m, BatchNorm) for m in gen.modules()) == 4
    assert count(gen) == 2 * 400 + 3 * 400 * 400 + 4 * 2 * 400 + (400 * 2 + 2) == 484_802
    assert not list(gen.buffers()) and not list(critic.buffers())


def test_the_critic_is_built_for_the_dataset_s_shape_so_a_packed_view_widens_its_input():
    gen, critic = PacGANMLP().build(Packed(m=3))
    assert linear_shapes(critic)[0] == (1000, 6)
    assert linear_shapes(gen)[-1] == (6, 400)
    assert critic(torch.randn(7, 3, 2)).shape == (7,)
    assert gen(torch.randn(7, 2)).shape == (7, 3, 2)


def test_without_batch_norm_the_hidden_layers_have_biases():
    gen, _ = PacGANMLP(g_norm="none", g_width=8, g_depth=2).build(Ring())
    assert not any(isinstance(m, BatchNorm) for m in gen.modules())
    assert [m.bias is not None for m in gen.modules() if isinstance(m, nn.Linear)] == [True] * 3
    assert count(gen) == (2 * 8 + 8) + (8 * 8 + 8) + (8 * 2 + 2)


# ---------------------------------------------------------------- initialisation


def test_init_normal_draws_every_weight_from_n_0_0_02_with_zero_biases_and_unit_batch_norm():
    """Each layer's weights against N(0, 0.02) by Kolmogorov–Smirnov: rejected at p < 0.001 only
    (2,000 to 200,000 draws per layer: the test tells 0.02 from 0.021 on the large layers)."""
    torch.manual_seed(0)
    gen, critic = PacGANMLP().build(Ring())
    for net in (gen, critic):
        for module in net.modules():
            if isinstance(module, nn.Linear):
                w = module.weight.detach().double().numpy().ravel()
                assert stats.kstest(w, stats.norm(0.0, 0.02).cdf).pvalue > 1e-3, tuple(module.weight.shape)
                if module.bias is not None:
                    assert torch.equal(module.bias, torch.zeros_like(module.bias))
            if isinstance(module, BatchNorm):
                assert torch.equal(module.weight, torch.ones_like(module.weight))
                assert torch.equal(module.bias, torch.zeros_like(module.bias))


def test_init_std_is_the_standard_deviation_and_init_torch_is_not_n_0_0_02():
    torch.manual_seed(0)
    _, critic = PacGANMLP(init_std=0.05).build(Ring())
    w = critic.body[1].linear.weight.detach().double().numpy().ravel()
    assert stats.kstest(w, stats.norm(0.0, 0.05).cdf).pvalue > 1e-3
    assert stats.kstest(w, stats.norm(0.0, 0.02).cdf).pvalue < 1e-6
    _, critic = PacGANMLP(init="torch").build(Ring())
    w = critic.body[1].linear.weight.detach().double().numpy().ravel()  # uniform ±1/√200
    assert stats.kstest(w, stats.norm(0.0, 0.02).cdf).pvalue < 1e-6
    assert critic.body[1].linear.bias.abs().sum() > 0


# ---------------------------------------------------------------- maxout and batch norm by hand


def test_a_maxout_unit_is_the_largest_of_its_consecutive_pieces():
    layer = Maxout(2, 2, 3)  # 2 inputs, 2 units of 3 pieces: 6 linear outputs
    with torch.no_grad():
        layer.linear.weight.copy_(
            torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [2.0, -1.0]])
        )
        layer.linear.bias.copy_(torch.tensor([0.0, 0.0, -3.0, 0.5, 0.0, 0.0]))
    x = torch.tensor([[1.0, 2.0], [-2.0, 0.5]])
    # x = (1, 2): unit 0 = max(1, 2, 1 + 2 - 3) = 2; unit 1 = max(-1 + 0.5, -2, 2 - 2) = 0
    # x = (-2, 0.5): unit 0 = max(-2, 0.5, -4.5) = 0.5; unit 1 = max(2.5, -0.5, -4.5) = 2.5
    assert torch.equal(layer(x), torch.tensor([[2.0, 0.0], [0.5, 2.5]]))


def test_batch_norm_normalises_by_the_batch_s_mean_and_biased_variance_with_blocks_epsilon():
    norm = BatchNorm(3)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([1.0, 2.0, -0.5]))
        norm.bias.copy_(torch.tensor([0.0, 1.0, 3.0]))
    x = np.array([[1.0, 10.0, -2.0], [3.0, 10.5, 0.0], [8.0, 9.0, 4.0], [0.0, 11.0, 1.0]])
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-4) * [1.0, 2.0, -0.5] + [0.0, 1.0, 3.0]
    out = norm(torch.tensor(x))
    assert np.allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    assert torch.equal(norm.eval()(torch.tensor(x)), out)  # no running statistics: eval() changes nothing
    assert torch.equal(norm(torch.tensor(x[:1])), norm.bias.detach().double().unsqueeze(0))  # a batch of one


# ---------------------------------------------------------------- the contract kit and vectorisation


@pytest.mark.parametrize(
    ("params", "dataset"),
    [
        ({}, Ring()),
        ({"g_norm": "none", "init": "torch"}, Grid()),
        ({"g_width": 16, "d_width": 8, "pieces": 3}, Packed(m=4)),
    ],
    ids=["authors", "no-norm-torch-init", "packed-view"],
)
def test_pacgan_mlp_keeps_the_contract(registry, params, dataset):
    check_model(registry.get("models", "pacgan-mlp"), dataset, params)


def test_the_batched_pass_of_k_members_is_each_module_s_forward():
    torch.manual_seed(0)
    model = PacGANMLP(g_width=8, d_width=4, pieces=3, g_depth=2, d_depth=2)
    pairs = [model.build(Ring()) for _ in range(3)]
    for i, x in ((0, torch.randn(3, 5, 2, dtype=torch.float64)), (1, torch.randn(3, 5, 2, dtype=torch.float64))):
        modules = [p[i].double() for p in pairs]
        net = StackedNet.stack(modules, "cpu", torch.float64)
        assert not net.buffers  # so the batched pass runs, not vmap
        expected = torch.stack([m(x[k]) for k, m in enumerate(modules)])
        assert torch.allclose(net(x), expected, rtol=1e-12, atol=1e-14)


SUITE = textwrap.dedent(
    """
    name = "pacgan-vec"
    seeds = [0, 1]
    metrics = ["modes", "energy"]
    [train]
    steps = 4
    batch_size = 16
    eval_every = 2
    eval_samples = 27
    snapshot_samples = 0
    [model]
    name = "pacgan-mlp"
    g_width = 16
    g_depth = 2
    d_width = 8
    d_depth = 2
    pieces = 3
    [[datasets]]
    name = "ring"
    radius = 1.0
    sigma = 0.01
    [[objectives]]
    name = "nonsaturating"
    n_critic = 1
    [[objectives]]
    name = "wgan-gp"
    n_critic = 1
    [[objectives]]
    name = "lsgan"
    n_critic = 1
    """
)


def test_pacgan_mlp_trials_are_grouped_exactly_on_the_cpu(registry, tmp_path):
    (tmp_path / "s.toml").write_text(SUITE)
    trials = load_suite(tmp_path / "s.toml", registry).trials
    assert type(trials[0].instantiate(registry).model).vectorizes
    assert exact(trials[0], registry)


def test_pacgan_mlp_members_in_one_group_equal_their_solo_runs_in_float64(tmp_path):
    together, alone, results = run_grouped_and_alone(tmp_path, SUITE)
    assert [str(r["status"]) for r in results] == ["complete"] * 6
    assert_close(together, alone, rel=1e-9)
    finals = {name: rows[-1]["loss_d"] for name, rows in together.items()}
    assert len({round(v, 12) for v in finals.values()}) == len(finals)  # the members did differ


def test_pacgan_mlp_trials_give_the_same_numbers_bit_for_bit_in_any_group_in_float32(tmp_path):
    together, alone, _ = run_grouped_and_alone(tmp_path, SUITE, options=EngineOptions())
    assert len(together) == 6
    assert json.dumps(together, sort_keys=True) == json.dumps(alone, sort_keys=True)


def test_ganbench_lists_the_model_as_one_that_vectorises_and_the_1200d_dataset(run_cli):
    code, out, _ = run_cli("list", "models")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("pacgan-mlp "))
    assert row.rstrip().endswith("yes")
    code, out, _ = run_cli("list", "datasets")
    assert code == 0 and any(line.startswith("veegan-1200d ") for line in out.splitlines())
