"""What an objective is: pure tensor functions of the critic's outputs.

An objective never sees a model, an optimiser or a training loop.  It receives
the critic's raw outputs on a real batch and on a fake batch (tensors whose
*last* dimension is the batch, so leading dimensions vectorise under
``torch.func.vmap``) and returns scalars per leading index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol

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

    ``divergence`` names what the critic's ``estimate`` bounds. An objective with no known
    divergence behind it (a Cauchy-type, focal or relativistic variant) declares
    ``divergence = None`` and writes no ``estimate``: its trials record none, reports show
    "—" with a note, the contract kit skips the estimate's checks, and the cross-divergence
    metric still judges its generator with the other objectives' critics.
    """

    family: ClassVar[str] = ""
    #: the divergence ``estimate`` bounds; None: the objective estimates none (write no ``estimate``)
    divergence: ClassVar[str | None] = ""
    reports: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    hyper: ClassVar[dict[str, Any]] = {}
    #: whether ``generator_loss`` uses the critic's output on real data (RaGAN does)
    generator_needs_real: ClassVar[bool] = False
    #: the critic outputs (low, high) the critic loss is designed for, or None (any): a loss with
    #: targets (least squares between its labels, a heavy-tailed loss about them) declares them, and
    #: the contract kit checks the critic's orientation with outputs inside this range only
    critic_range: ClassVar[tuple[float, float] | None] = None

    @classmethod
    def estimates_divergence(cls) -> bool:
        """Whether the objective's critic estimates a divergence (``divergence`` is not None)."""
        return cls.divergence is not None

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
        """The critic's variational estimate of the quantity in ``reports``, in nats (not written
        by an objective that declares ``divergence = None``)."""
        raise NotImplementedError


class Draws(Protocol):
    """Random numbers for the K members a penalty is computed for: each method returns a
    tensor of shape (K, *shape) on the training device, row k drawn from member k's own
    generator (so a trial's result never depends on which trials it trained with)."""

    def uniform(self, *shape: int) -> Tensor:
        """U[0, 1) of shape (K, *shape)."""
        ...

    def normal(self, *shape: int) -> Tensor:
        """N(0, 1) of shape (K, *shape)."""
        ...


@dataclasses.dataclass(frozen=True)
class Penalty(Component):
    """A critic regulariser, unweighted (the suite's ``penalty_weight`` multiplies it).

    ``penalty(critic, real, fake, draws)`` is computed for K members at once (K = 1 for a
    trial trained alone): ``real`` and ``fake`` have shape (K, B, *sample_shape), ``critic``
    maps such a tensor to outputs (K, B), member k's samples through member k's critic, and
    ``draws`` gives each member's random numbers. Returns each member's penalty, shape (K,).
    Gradients with respect to the samples are per member and per sample; see
    :func:`per_sample_grad_norm`.

    ``default_weight`` is the weight a suite gets when it names the penalty without a
    ``penalty_weight`` (the paper's value; ``ganbench list penalties`` shows it).
    """

    default_weight: ClassVar[float] = 1.0

    def __call__(self, critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor, draws: Draws) -> Tensor:
        raise NotImplementedError


def mean(x: Tensor) -> Tensor:
    """Average over the batch (last) dimension, keeping any leading vmap/model dimensions."""
    return x.mean(dim=-1)


def per_sample_grad_sqnorm(critic: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """‖∇ₓ critic(x_ki)‖₂² for every member k and sample i of ``x`` (K, B, ...): shape (K, B),
    differentiable (penalties add it to the critic's loss). Members and samples are
    independent, so the gradient of the summed outputs holds every per-sample gradient."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return grad.flatten(2).square().sum(dim=2)


def per_sample_grad_norm(critic: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """‖∇ₓ critic(x_ki)‖₂ for every member k and sample i of ``x`` (K, B, ...): shape (K, B)."""
    return (per_sample_grad_sqnorm(critic, x) + 1e-12).sqrt()
