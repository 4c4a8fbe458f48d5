"""What a model is: a factory for a (generator, critic) pair fitted to a dataset."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from torch import nn

from ganbench.components import Component
from ganbench.datasets.base import Dataset


@dataclasses.dataclass(frozen=True)
class Model(Component):
    """Subclasses are dataclasses of architecture parameters.

    ``build`` returns a generator mapping latents of shape (B, *latent_shape) to
    samples of shape (B, *dataset.shape), and a critic mapping samples to (B,) outputs.

    The trainer stacks K copies of each network (one per trial of a vectorised group) and
    runs them through ``torch.func.vmap``; a model whose modules ``vmap`` cannot run sets
    ``vectorizes = False``, and its trials train one at a time. A module may also offer a
    faster batched pass, ``forward_stacked(params, x)``: ``params`` maps the module's own
    parameter names to tensors stacked (K, ...), ``x`` is (K, B, ...), and it returns what
    K calls of ``forward`` would, stacked (the built-in MLP does, with ``torch.baddbmm``).
    """

    #: whether K copies of its networks can train as one vmapped program
    vectorizes: ClassVar[bool] = True

    @property
    def latent_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def build(self, dataset: Dataset) -> tuple[nn.Module, nn.Module]:
        raise NotImplementedError
