"""The built-in components pass the same contract kit a third-party plugin's tests use
(`ganbench.testing`). Where an objective estimates an f-divergence, the kit checks its estimate
at the optimal critic against D_f by quadrature, with f and the optimal critic written here
and in `tests/helpers/reference.py` from the papers, independently of the objective code."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench.testing import check_dataset, check_metric, check_model, check_objective, check_penalty
from tests.helpers import reference
from tests.helpers.images import fake_cifar, fake_mnist, write_pixel_csv

# (optimal critic as a function of log p/q, f) for the objectives that estimate an f-divergence
CLASSIC = {
    # JSD: f(u) = ½(u log u - (u + 1) log((u + 1)/2)); D* = σ(log p/q), so the logit is log p/q
    "minimax": (lambda lr: lr, lambda u: 0.5 * (u * np.log(u) - (u + 1) * np.log((u + 1) / 2))),
    "nonsaturating": (lambda lr: lr, lambda u: 0.5 * (u * np.log(u) - (u + 1) * np.log((u + 1) / 2))),
    # TV = ½∫|p - q|: f(u) = ½|u - 1|; D* = sign(p - q)
    "hinge": (lambda lr: np.sign(lr), lambda u: 0.5 * np.abs(u - 1)),
    # triangular discrimination ∫(p - q)²/(p + q): f(u) = (u - 1)²/(u + 1); D* = p/(p + q)
    "lsgan": (lambda lr: 1 / (1 + np.exp(-lr)), lambda u: (u - 1) ** 2 / (u + 1)),
}
FGAN = {
    name: (lambda lr, row=row: row.g_inv(row.f_prime(np.exp(lr))), row.f) for name, row in reference.F_TABLE.items()
}
NO_F = {"wgan-gp", "wgan-clip", "ragan"}  # IPMs and the relativistic GAN: no f-divergence at the optimum


def test_every_builtin_objective_is_checked_and_each_f_divergence_at_its_optimum(registry):
    assert set(registry.names("objectives")) == set(CLASSIC) | set(FGAN) | NO_F


@pytest.mark.parametrize("name", sorted(set(CLASSIC) | set(FGAN) | NO_F))
def test_builtin_objective_keeps_the_contract(registry, name):
    declared = CLASSIC.get(name) or FGAN.get(name)
    if declared is None:
        check_objective(registry.get("objectives", name))
    else:
        critic, f = declared
        check_objective(
            registry.get("objectives", name),
            optimal_critic=lambda lr, critic=critic: critic(lr.numpy()),
            f_divergence=f,
        )


def test_a_wrong_optimum_is_caught(registry):
    """The optimum check can fail: KL's estimate at its optimal critic is not Pearson's χ² (e - 1)."""
    critic, _ = FGAN["kl"]
    with pytest.raises(AssertionError, match=r"the estimate is 0\.5.* but D_f by quadrature is 1\.71828"):
        check_objective(
            registry.get("objectives", "kl"),
            options={},
            optimal_critic=lambda lr: critic(lr.numpy()),
            f_divergence=reference.F_TABLE["pearson"].f,
        )


DATASETS = {
    "ring": {},
    "grid": {},
    "spiral": {},
    "digits": {},
    "stacked-digits": {"count": 2000},
    "shapes": {},
    "veegan-1200d": {},
}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_builtin_dataset_keeps_the_contract(registry, name):
    check_dataset(registry.get("datasets", name), DATASETS[name])


def test_local_file_datasets_keep_the_contract(registry, tmp_path):
    fake_mnist(tmp_path, "MNIST", n_train=60)
    fake_mnist(tmp_path, "FashionMNIST", n_train=60)
    fake_cifar(tmp_path)
    write_pixel_csv(tmp_path / "digits.csv.gz")
    for name in ("mnist", "fashion-mnist", "cifar10"):
        check_dataset(registry.get("datasets", name), {"data_root": str(tmp_path)}, n=200)
    check_dataset(registry.get("datasets", "mnist-5k"), {"path": str(tmp_path / "digits.csv.gz")}, n=200)
    stacks = {"source": "mnist", "data_root": str(tmp_path), "count": 1000}
    check_dataset(registry.get("datasets", "stacked-mnist"), stacks, n=200)


def test_every_builtin_dataset_is_checked(registry):
    local = {"mnist", "fashion-mnist", "cifar10", "mnist-5k", "stacked-mnist"}
    assert set(registry.names("datasets")) == set(DATASETS) | local


def collapse(x: torch.Tensor) -> torch.Tensor:
    """Every sample a copy of the first: the worst mode collapse."""
    return x[:1].expand_as(x).clone()


# metric -> (dataset, parameters, the worse sample)
METRICS = {
    "modes": ("ring", {}, None),
    "energy": ("ring", {}, None),
    "wasserstein": ("grid", {}, None),
    "fd": ("digits", {}, None),
    "kid": ("digits", {"subsets": 5, "subset_size": 500}, None),
    "prdc": ("digits", {"samples": 1000}, None),
    "class-modes": ("digits", {}, collapse),  # a shift leaves the classes; a collapse loses them
    "shapes-pr": ("shapes", {}, None),
    # weights: a random FID Inception the test saves (tests/helpers/fid.py); 32 images a side
    "fid-inception": ("digits", {"samples": 32}, None),
    # two fresh critics of 100 steps: the kit checks what it records on a Gaussian mixture
    "divergences": ("ring", {"objectives": ["kl", "minimax"], "max_steps": 100, "bootstrap": 20}, None),
}


@pytest.mark.parametrize(
    "name",
    # fid-inception: minutes on the CPU (its Fréchet distance takes a matrix square root of 2048 × 2048)
    [pytest.param(n, marks=pytest.mark.slow) if n == "fid-inception" else n for n in sorted(METRICS)],
)
def test_builtin_metric_keeps_the_contract(registry, name, tmp_path, monkeypatch):
    dataset, params, worse = METRICS[name]
    if name == "fid-inception":
        from ganbench.metrics.fid import WEIGHTS_ENV
        from tests.helpers.fid import random_fid_weights  # which makes pytorch-fid importable

        monkeypatch.setenv(WEIGHTS_ENV, str(random_fid_weights(tmp_path / "weights.pth")))
    kwargs = {"worse": worse} if worse else {}
    check_metric(registry.get("metrics", name), registry.get("datasets", dataset)(), params, **kwargs)


def test_every_builtin_metric_is_checked(registry):
    assert set(registry.names("metrics")) == set(METRICS)


@pytest.mark.parametrize(
    ("name", "dataset"), [("mlp", "ring"), ("mlp", "digits"), ("dcgan", "digits"), ("pacgan-mlp", "ring")]
)
def test_builtin_model_keeps_the_contract(registry, name, dataset, one_thread):
    check_model(registry.get("models", name), registry.get("datasets", dataset)())


@pytest.mark.parametrize("name", ["gp", "gp-one-sided", "r1", "r2", "dragan"])
def test_builtin_penalty_keeps_the_contract(registry, name):
    check_penalty(registry.get("penalties", name))


def test_every_builtin_penalty_is_listed_above(registry):
    assert set(registry.names("penalties")) == {"gp", "gp-one-sided", "r1", "r2", "dragan"}
