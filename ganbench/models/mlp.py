"""Fully connected generator and critic for low-dimensional data."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import ClassVar, Literal

from torch import Tensor, nn

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import Register, hookimpl
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


class _Critic(nn.Module):
    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x.flatten(1)).squeeze(-1)


class _Generator(nn.Module):
    def __init__(self, body: nn.Module, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.body = body
        self.shape = shape

    def forward(self, z: Tensor) -> Tensor:
        return self.body(z).view(z.shape[0], *self.shape)


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
        gen = _Generator(_mlp(self.latent_dim, n, self.width, self.depth, self.g_activation), shape)
        critic = _Critic(_mlp(n, 1, self.width, self.depth, self.d_activation))
        return gen, critic


@hookimpl
def register_models(register: Register) -> None:
    register(MLP)
