"""Packing (PacGAN, Lin et al. 2018): the critic judges m samples at once.

A pack is m independent samples concatenated along their first feature axis: m planar
points make one point of R^(2m), m images of C channels one image of m·C channels. With
pack m, a training step draws batch_size·m samples per side and hands the critic
batch_size packs; real packs are made of real samples only, fake packs of generated ones.
The generator is built for the dataset as always, the critic for the packed sample shape
(:class:`PackedView`), and pack 1 changes nothing: :func:`pack` is then the identity and
:func:`build_networks` makes exactly the networks ``model.build(dataset)`` makes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch import Tensor, nn

from ganbench.datasets.base import Dataset
from ganbench.models.base import Model


def pack(x: Tensor, m: int) -> Tensor:
    """Samples (K, B·m, *shape) as packs (K, B, m·shape[0], *shape[1:]): pack b of member k is
    its samples b·m, ..., b·m + m - 1 concatenated along their first feature axis."""
    if m < 1:
        raise ValueError(f"pack must be >= 1, got {m}")
    k, n, *shape = x.shape
    if not shape or n % m:
        raise ValueError(f"cannot pack samples of shape {tuple(x.shape)} {m} at a time")
    return x.reshape(k, n // m, m * shape[0], *shape[1:])


def packed_shape(shape: tuple[int, ...], m: int) -> tuple[int, ...]:
    """The shape of one pack of m samples of ``shape``."""
    return (m * shape[0], *shape[1:])


@dataclasses.dataclass(frozen=True)
class PackedView(Dataset):
    """``base`` seen m samples at a time: its ``shape`` is the pack's, its samples are packs of
    m independent samples, and the base dataset's own attributes (its parameters, such as an
    image dataset's size) read through; it declares no modes (a pack is not a sample). A model
    builds its critic for packs from this view."""

    base: Dataset
    m: int

    @property
    def shape(self) -> tuple[int, ...]:
        return packed_shape(tuple(self.base.shape), self.m)

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> Tensor:
        return pack(self.base.sample(n * self.m, generator=generator, device=device).unsqueeze(0), self.m)[0]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("base", "m"):  # not set yet (copying, unpickling)
            raise AttributeError(name)
        return getattr(self.base, name)


def build_networks(model: Model, dataset: Dataset, m: int) -> tuple[nn.Module, nn.Module]:
    """The (generator, critic) a trial with pack ``m`` trains: ``model.build(dataset)``, and for
    m > 1 its critic replaced by the critic ``model.build`` makes for packs, built next (so the
    generator is initialised exactly as without packing, from the same random numbers)."""
    gen, critic = model.build(dataset)
    if m > 1:
        critic = model.build(PackedView(dataset, m))[1]
    return gen, critic
