"""Training configuration: the budget and schedule shared by a suite's trials, how
convergence figures are read from a history, and an objective's hyperparameters.

Each is a :class:`~ganbench.components.Component`, so a suite file sets their fields
by name, validated with bounds, and ``ganbench list`` can show them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ganbench.components import Component, param

#: the value of ``Hyper.penalty`` that means "no penalty" (kept as a string in resolved trials)
NO_PENALTY = "none"


@dataclasses.dataclass(frozen=True)
class Train(Component):
    """The training budget and evaluation schedule shared by every trial of a suite."""

    name: ClassVar[str] = "train"

    steps: int = param(2000, min=1, max=100_000_000, help="generator steps per trial")
    batch_size: int = param(
        256,
        min=1,
        max=1_048_576,
        help="critic inputs per batch, real and fake: samples, or packs of `pack` samples (PacGAN)",
    )
    eval_every: int = param(500, min=1, max=100_000_000, help="generator steps between evaluations")
    eval_samples: int = param(2500, min=10, max=1_000_000, help="generated samples per evaluation")
    checkpoint_every: int = param(0, min=0, max=100_000_000, help="steps between checkpoints; 0 = every evaluation")
    snapshot_samples: int = param(2500, min=0, max=1_000_000, help="generated samples kept on disk per evaluation")


@dataclasses.dataclass(frozen=True)
class Convergence(Component):
    """How the summary turns a metric history into convergence figures."""

    name: ClassVar[str] = "convergence"

    distance: str = param(
        "wasserstein",
        help="metric output whose spread is the stability figure (default: wasserstein, else the "
        "first lower-is-better output, else none)",
    )
    window: int = param(5, min=2, max=10_000, help="last evaluations over which stability is measured")


@dataclasses.dataclass(frozen=True)
class Hyper(Component):
    """Training hyperparameters an objective brings as defaults; a suite may override each."""

    name: ClassVar[str] = "hyper"

    n_critic: int = param(1, min=1, max=1000, help="critic steps per generator step")
    lr_g: float = param(2e-4, min=0.0, max=10.0, exclusive_min=True, help="generator Adam learning rate")
    lr_d: float = param(2e-4, min=0.0, max=10.0, exclusive_min=True, help="critic Adam learning rate")
    betas: tuple[float, float] = param((0.5, 0.999), min=0.0, max=0.99999, help="Adam (beta1, beta2)")
    penalty: str = param(NO_PENALTY, help="critic regulariser by name ('none', 'gp', ...)")
    penalty_weight: float = param(0.0, min=0.0, max=1e6, help="weight of the penalty")
    clip: float = param(0.0, min=0.0, help="clamp critic weights to [-clip, clip] after each step; 0 = off")
    pack: int = param(
        1,
        min=1,
        max=64,
        help="samples per critic input, concatenated along the first feature axis (PacGAN); batch_size counts packs",
    )

    def resolved(self) -> dict[str, Any]:
        """The parameters a resolved trial records: :meth:`params`, without ``pack`` when it is 1,
        so that a trial without packing keeps the id and ``config.json`` it had before packing
        existed (an absent ``pack`` reads back as 1, its default)."""
        out = self.params()
        if self.pack == 1:
            del out["pack"]
        return out

    @property
    def penalty_name(self) -> str | None:
        """The penalty plugin to add to the critic loss, or None."""
        return None if self.penalty == NO_PENALTY else self.penalty
