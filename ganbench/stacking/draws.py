"""Random draws for K members, each from its own generator.

Member k's numbers come only from its own ``torch.Generator``, seeded from its trial's
seed, in an order fixed by the training step alone. So a trial's random stream (and its
result) does not depend on which other trials it trains with, or whether it trains alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import torch
from torch import Tensor

from ganbench.datasets.base import Dataset


def stream_seed(seed: int, stream: str) -> int:
    """A 63-bit seed for one named random stream of a trial, independent of other streams."""
    digest = hashlib.sha256(f"ganbench:{stream}:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


class MemberDraws:
    """Random numbers for members 0..K-1: every method returns a tensor (K, ...), row k
    drawn from member k's generator. Penalties receive one (for their own members): it is
    the trainer's :class:`~ganbench.objectives.base.Draws`."""

    def __init__(self, generators: Sequence[torch.Generator], device: str | torch.device, dtype: torch.dtype) -> None:
        self.generators = list(generators)
        self.device = torch.device(device)
        self.dtype = dtype

    @classmethod
    def seeded(cls, seeds: Sequence[int], device: str | torch.device, dtype: torch.dtype) -> MemberDraws:
        """Fresh training streams for trials with ``seeds``."""
        gens = [torch.Generator(device=device).manual_seed(stream_seed(s, "train")) for s in seeds]
        return cls(gens, device, dtype)

    def uniform(self, *shape: int) -> Tensor:
        """U[0, 1) of shape (K, *shape)."""
        return torch.stack(
            [torch.rand(shape, generator=g, device=self.device, dtype=self.dtype) for g in self.generators]
        )

    def normal(self, *shape: int) -> Tensor:
        """N(0, 1) of shape (K, *shape)."""
        return torch.stack(
            [torch.randn(shape, generator=g, device=self.device, dtype=self.dtype) for g in self.generators]
        )

    def data(self, datasets: Sequence[Dataset], n: int) -> Tensor:
        """``n`` samples of member k's dataset in row k: (K, n, *sample_shape)."""
        rows = [ds.sample(n, generator=g, device=self.device) for ds, g in zip(datasets, self.generators, strict=True)]
        return torch.stack(rows).to(self.dtype)

    def subset(self, members: slice) -> MemberDraws:
        """The draws of members ``members`` (sharing their generators)."""
        return MemberDraws(self.generators[members], self.device, self.dtype)

    def select(self, index: Sequence[int]) -> MemberDraws:
        return MemberDraws([self.generators[i] for i in index], self.device, self.dtype)

    @staticmethod
    def concat(draws: Sequence[MemberDraws]) -> MemberDraws:
        return MemberDraws([g for d in draws for g in d.generators], draws[0].device, draws[0].dtype)
