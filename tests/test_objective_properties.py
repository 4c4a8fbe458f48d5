"""Properties every built-in objective must have, whatever its formula:

- numerically safe: finite losses, estimates and gradients for critic outputs anywhere in
  [-50, 50] (float32), and for batches of one;
- vmap-ready: under `torch.func.vmap` over a leading model dimension the loss functions
  give the values a Python loop gives.

Objectives with a `generator` option are checked with every choice.
"""

from __future__ import annotations

import itertools
import typing

import pytest
import torch
from torch.func import vmap

from ganbench.components import build
from ganbench.plugins import load_plugins

BUILTIN = load_plugins(None)


def variants() -> list[tuple[str, dict[str, str]]]:
    """(objective name, options) for every built-in objective and every generator choice."""
    out = []
    for name in BUILTIN.names("objectives"):
        cls = BUILTIN.get("objectives", name)
        hint = typing.get_type_hints(cls).get("generator")
        if hint is not None and typing.get_origin(hint) is typing.Literal:
            out += [(name, {"generator": choice}) for choice in typing.get_args(hint)]
        else:
            out.append((name, {}))
    return out


VARIANTS = variants()
IDS = [f"{n}-{o['generator']}" if o else n for n, o in VARIANTS]


def objective_of(name: str, options: dict[str, str]):
    return build(BUILTIN.get("objectives", name), options, name)


def losses(objective, real: torch.Tensor, fake: torch.Tensor) -> dict[str, torch.Tensor]:
    needs_real = objective.generator_needs_real
    return {
        "critic": objective.critic_loss(real, fake),
        "generator": objective.generator_loss(real if needs_real else None, fake),
        "estimate": objective.estimate(real, fake),
    }


def test_every_builtin_objective_is_covered():
    names = {n for n, _ in VARIANTS}
    expected = {"kl", "reverse-kl", "pearson", "neyman", "hellinger", "jeffrey", "fgan-js", "fgan-gan", "tv"}
    assert expected | {"minimax", "nonsaturating", "hinge", "wgan-gp", "wgan-clip", "lsgan", "ragan"} == names


def assert_finite(objective, real: torch.Tensor, fake: torch.Tensor, where: str) -> None:
    real = real.clone().requires_grad_(True)
    fake = fake.clone().requires_grad_(True)
    for kind, value in losses(objective, real, fake).items():
        assert value.shape == real.shape[:-1], f"{where}: {kind} is not one scalar per leading index"
        assert torch.isfinite(value).all(), f"{where}: {kind} = {value}"
        grads = torch.autograd.grad(value.sum(), [real, fake], allow_unused=True)
        for side, grad in zip(("real", "fake"), grads, strict=True):
            assert grad is None or torch.isfinite(grad).all(), f"{where}: d{kind}/d{side} not finite"


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_finite_for_outputs_in_plus_minus_50(name, options):
    objective = objective_of(name, options)
    values = torch.linspace(-50.0, 50.0, 201)
    # every output against every other: real and fake batches of 201, each fake batch one constant
    real = values.expand(201, 201)
    fake = values.unsqueeze(1).expand(201, 201)
    assert_finite(objective, real, fake, f"{name} on [-50, 50]")
    assert_finite(objective, fake, real, f"{name} on [-50, 50], roles swapped")
    assert_finite(objective, values, values.flip(0), f"{name} on a mixed batch")


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_finite_for_a_batch_of_one(name, options):
    objective = objective_of(name, options)
    for r, f in itertools.product([-50.0, -7.5, 0.0, 7.5, 50.0], repeat=2):
        assert_finite(objective, torch.tensor([r]), torch.tensor([f]), f"{name} with real {r}, fake {f}")


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_vmap_over_models_equals_a_loop(name, options):
    objective = objective_of(name, options)
    g = torch.Generator().manual_seed(0)
    models, batch = 4, 16
    real = 3.0 * torch.randn(models, batch, generator=g, dtype=torch.float64)
    fake = 3.0 * torch.randn(models, batch, generator=g, dtype=torch.float64) - 1.0
    for kind in ("critic", "generator", "estimate"):

        def one(r: torch.Tensor, f: torch.Tensor, kind: str = kind) -> torch.Tensor:
            return losses(objective, r, f)[kind]

        batched = vmap(one)(real, fake)
        looped = torch.stack([one(real[m], fake[m]) for m in range(models)])
        assert batched.shape == (models,)
        torch.testing.assert_close(batched, looped, rtol=1e-12, atol=1e-12, msg=f"{name}: {kind}")
        # and leading dimensions work without vmap too (the batch is the last dimension)
        torch.testing.assert_close(one(real, fake), looped, rtol=1e-12, atol=1e-12, msg=f"{name}: {kind}")


def test_the_readme_documents_every_builtin_objective_and_penalty():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("Objectives and their defaults", 1)[1].split("## Writing an objective plugin", 1)[0]
    tables = [line for line in section.splitlines() if line.startswith("| ")]
    for kind in ("objectives", "penalties"):
        for name in BUILTIN.names(kind):
            assert any(f"| {name} " in row or f" {name}," in row or f", {name} " in row for row in tables), name
