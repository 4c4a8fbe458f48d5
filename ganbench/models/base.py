"""What a model is: a factory for a (generator, critic) pair fitted to a dataset."""

from __future__ import annotations

import dataclasses

from torch import nn

from ganbench.components import Component
from ganbench.datasets.base import Dataset


@dataclasses.dataclass(frozen=True)
class Model(Component):
    """Subclasses are dataclasses of architecture parameters.

    ``build`` returns a generator mapping latents of shape (B, *latent_shape) to
    samples of shape (B, *dataset.shape), and a critic mapping samples to (B,) outputs.
    """

    @property
    def latent_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def build(self, dataset: Dataset) -> tuple[nn.Module, nn.Module]:
        raise NotImplementedError
