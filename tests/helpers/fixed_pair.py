"""Test plugins for training a critic on a fixed pair of distributions through ganbench's own
trainer: data P = N(0, I) in ``dim`` dimensions, and a "generator" frozen at Q = N(shift·e₁, I).

The generator maps z ~ N(0, I) to z + shift·e₁; its one parameter enters as 0·w, so its
gradient is exactly 0 and Adam never moves it (Adam's step is m / (√v + ε) = 0 / ε).
The critic is the built-in MLP's. So a run trains the critic alone, by each objective's
critic loss, with the trainer's whole code path: groups, penalties, clipping, evaluation.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch
from torch import Tensor, nn

import ganbench
from ganbench.models.mlp import MLP


@dataclasses.dataclass(frozen=True)
class Normal(ganbench.Dataset):
    name: ClassVar[str] = "normal"
    description: ClassVar[str] = "the standard normal N(0, I)"

    dim: int = ganbench.param(1, min=1, help="dimension")

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.dim,)

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> Tensor:
        return torch.randn((n, self.dim), generator=generator, device=device)


class _Shift(nn.Module):
    def __init__(self, shift: float, dim: int) -> None:
        super().__init__()
        self.register_buffer("offset", torch.nn.functional.one_hot(torch.tensor(0), dim).float() * shift)
        self.anchor = nn.Parameter(torch.zeros(1))

    def forward(self, z: Tensor) -> Tensor:
        return z + self.offset + 0.0 * self.anchor


@dataclasses.dataclass(frozen=True)
class Frozen(ganbench.Model):
    name: ClassVar[str] = "frozen-shift"
    description: ClassVar[str] = "generator frozen at N(shift·e₁, I); the MLP critic"

    shift: float = ganbench.param(1.0, help="distance of the generated distribution's mean from 0")
    dim: int = ganbench.param(1, min=1, help="dimension (the dataset's)")
    width: int = ganbench.param(32, min=1, help="critic width")
    depth: int = ganbench.param(2, min=0, help="critic depth")

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.dim,)

    def build(self, dataset: ganbench.Dataset) -> tuple[nn.Module, nn.Module]:
        _, critic = MLP(width=self.width, depth=self.depth).build(dataset)
        return _Shift(self.shift, self.dim), critic


@ganbench.hookimpl
def register_datasets(register):  # type: ignore[no-untyped-def]
    register(Normal)


@ganbench.hookimpl
def register_models(register):  # type: ignore[no-untyped-def]
    register(Frozen)
