"""What an objective is: pure tensor functions of the critic's outputs.

An objective never sees a model, an optimiser or a training loop.  It receives
the critic's raw outputs on a real batch and on a fake batch (tensors whose
*last* dimension is the batch, so leading dimensions vectorise under
``torch.func.vmap``) and returns scalars per leading index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from ganbench.components import Component, build
from ganbench.config import Hyper
from ganbench.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Objective(Component):
    """A GAN objective. Subclass, set the class attributes, write the three functions.

    Dataclass fields of a subclass are objective-specific options that a suite
    can set; ``hyper`` overrides the :class:`Hyper` defaults.
    """

    family: ClassVar[str] = ""
    divergence: ClassVar[str] = ""
    reports: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    hyper: ClassVar[dict[str, Any]] = {}
    #: whether ``generator_loss`` uses the critic's output on real data (RaGAN does)
    generator_needs_real: ClassVar[bool] = False

    def describe_generator(self) -> str:
        """The generator loss, as text for ``ganbench list objectives`` (the one place it is declared).

        It is a method of the configured objective, so an objective whose generator loss is
        an option (the f-GANs' ``generator = "saturating"``) describes the loss that option
        selects; the listing shows the text for every choice of an option that changes it."""
        return ""

    @classmethod
    def formulas(cls) -> dict[str, str]:
        """Formulas that define the objective beyond ``reports``, as column heading -> text.

        ``ganbench list objectives`` prints the objectives of one family that declare
        formulas in a table of their own (the f-GANs declare f, g_f and f*)."""
        return {}

    @classmethod
    def default_hyper(cls) -> Hyper:
        """``hyper`` over the :class:`Hyper` defaults, validated (a bad key or value is a ConfigError)."""
        if not isinstance(cls.hyper, Mapping):
            raise ConfigError(f"objective '{cls.name}': hyper must be a dict, got {cls.hyper!r}")
        return build(Hyper, cls.hyper, f"objective '{cls.name}': hyper")

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        """Loss the critic minimises, from its outputs on real and fake batches."""
        raise NotImplementedError

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        """Loss the generator minimises; ``real`` is None unless ``generator_needs_real``."""
        raise NotImplementedError

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        """The critic's variational estimate of the quantity in ``reports``, in nats."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Penalty(Component):
    """A critic regulariser: ``penalty(critic, real, fake)`` -> scalar, unweighted."""

    def __call__(self, critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> Tensor:
        raise NotImplementedError


def mean(x: Tensor) -> Tensor:
    """Average over the batch (last) dimension, keeping any leading vmap/model dimensions."""
    return x.mean(dim=-1)


def per_sample_grad_norm(critic: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """‖∇ₓ critic(x_i)‖₂ for every sample i, differentiable (for penalties)."""
    x = x.detach().requires_grad_(True)
    out = critic(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return (grad.flatten(1).square().sum(dim=1) + 1e-12).sqrt()
