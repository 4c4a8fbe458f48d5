"""Fully connected generator and critic for low-dimensional data."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import ClassVar, Literal

import torch
from torch import Tensor, nn

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import hookimpl
from ganbench.models.base import Model

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
}


def _mlp(n_in: int, n_out: int, width: int, depth: int, activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(n_in if i == 0 else width, width), _ACTIVATIONS[activation]()]
    layers.append(nn.Linear(width if depth else n_in, n_out))
    return nn.Sequential(*layers)


def stacked_linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """K linear layers at once: x (K, B, n), weight (K, m, n), bias (K, m) -> (K, B, m).

    One batched matmul (baddbmm) when n > 1 and m > 1. A layer with one output (or one
    input) is an elementwise product and sum instead: a batched matmul of one member is
    a plain matmul, which BLAS computes as a matrix-vector product when a side is 1, with
    other rounding than the batched product; written this way, every member's arithmetic
    is the same whatever K, so a trial gives the same numbers, bit for bit, in any group.
    """
    if weight.shape[1] > 1 and weight.shape[2] > 1:
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))
    if weight.shape[1] == 1:
        return (x * weight).sum(dim=-1, keepdim=True) + bias.unsqueeze(1)
    return x * weight.transpose(1, 2) + bias.unsqueeze(1)  # one input: an outer product


def _stacked_body(body: nn.Sequential, params: Mapping[str, Tensor], x: Tensor) -> Tensor:
    """``body`` for K members at once: x (K, B, n_in), params stacked (K, ...) under the
    module's own parameter names."""
    for i, layer in enumerate(body):
        if isinstance(layer, nn.Linear):
            x = stacked_linear(x, params[f"body.{i}.weight"], params[f"body.{i}.bias"])
        else:
            x = layer(x)  # an elementwise activation
    return x


#: a body's batched pass: (body, parameters stacked (K, ...) by name, inputs (K, B, n)) -> (K, B, m)
StackedBody = Callable[[nn.Sequential, Mapping[str, Tensor], Tensor], Tensor]


class FlatCritic(nn.Module):
    """A fully connected ``body`` from flattened samples (any shape, packs included) to one
    output each; ``stacked_body`` runs the body for K members at once (the MLP's by default)."""

    def __init__(self, body: nn.Sequential, stacked_body: StackedBody | None = None) -> None:
        super().__init__()
        self.body = body
        self.stacked_body: StackedBody = stacked_body or _stacked_body

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x.flatten(1)).squeeze(-1)

    def forward_stacked(self, params: Mapping[str, Tensor], x: Tensor) -> Tensor:
        """K critics at once: samples (K, B, ...) -> outputs (K, B)."""
        return self.stacked_body(self.body, params, x.flatten(2)).squeeze(-1)


class ShapedGenerator(nn.Module):
    """A fully connected ``body`` from latents to flat samples, reshaped to the samples'
    ``shape``; ``stacked_body`` runs the body for K members at once (the MLP's by default)."""

    def __init__(self, body: nn.Sequential, shape: tuple[int, ...], stacked_body: StackedBody | None = None) -> None:
        super().__init__()
        self.body = body
        self.shape = shape
        self.stacked_body: StackedBody = stacked_body or _stacked_body

    def forward(self, z: Tensor) -> Tensor:
        return self.body(z).view(z.shape[0], *self.shape)

    def forward_stacked(self, params: Mapping[str, Tensor], z: Tensor) -> Tensor:
        """K generators at once: latents (K, B, latent_dim) -> samples (K, B, *shape)."""
        return self.stacked_body(self.body, params, z).view(z.shape[0], z.shape[1], *self.shape)


@dataclasses.dataclass(frozen=True)
class MLP(Model):
    name: ClassVar[str] = "mlp"
    description: ClassVar[str] = "multilayer perceptrons for generator and critic"

    latent_dim: int = param(2, min=1, max=65_536, help="size of the Gaussian latent z")
    width: int = param(128, min=1, max=65_536, help="hidden units per layer")
    depth: int = param(3, min=0, max=64, help="hidden layers in each network")
    g_activation: Literal["relu", "leaky_relu", "elu", "tanh"] = param("relu", help="generator activation")
    d_activation: Literal["relu", "leaky_relu", "elu", "tanh"] = param("leaky_relu", help="critic activation")

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.latent_dim,)

    def build(self, dataset: Dataset) -> tuple[nn.Module, nn.Module]:
        shape = tuple(dataset.shape)
        n = math.prod(shape)
        gen = ShapedGenerator(_mlp(self.latent_dim, n, self.width, self.depth, self.g_activation), shape)
        critic = FlatCritic(_mlp(n, 1, self.width, self.depth, self.d_activation))
        return gen, critic


@hookimpl
def register_models(register):  # type: ignore[no-untyped-def]
    register(MLP)
