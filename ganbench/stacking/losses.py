"""A critic update of K members: each member's loss by its own objective and penalty, then
one Adam step of the stacked parameters, then weight clipping.

Shared by the trainer's training step (:mod:`ganbench.training.group`) and by the fresh
critics that judge a frozen generator (:mod:`ganbench.stacking.critics`). Members are
ordered so that those with the same objective and penalty lie side by side: each such
:class:`Span` computes its losses in one call of its objective and one of its penalty.
"""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import Tensor

from ganbench.objectives.base import Objective, Penalty
from ganbench.stacking.adam import StackedAdam
from ganbench.stacking.draws import MemberDraws
from ganbench.stacking.nets import StackedNet


class MemberFailure(Exception):
    """A plugin raised while computing the members ``members`` of a group (slice)."""

    def __init__(self, members: slice, exc: Exception) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.members = members
        self.error = exc
        self.traceback = "".join(traceback.format_exception(exc))


@contextlib.contextmanager
def blame(members: slice) -> Iterator[None]:
    """Attribute an exception raised by plugin code to the members it was computing for."""
    try:
        yield
    except MemberFailure:
        raise
    except Exception as exc:
        raise MemberFailure(members, exc) from exc


@dataclasses.dataclass(frozen=True)
class Span:
    """A contiguous span of members with the same objective and penalty."""

    members: slice
    objective: Objective
    penalty: Penalty | None
    weight: Tensor | None  # (k,) penalty weights
    needs_real: bool


def clip_bounds(clips: Sequence[float], like: Tensor) -> Tensor | None:
    """Per-member weight-clipping bounds (K, 1) (inf where a member does not clip), or None
    if no member clips."""
    if not any(clips):
        return None
    bound = [c if c > 0 else float("inf") for c in clips]
    return torch.tensor(bound, device=like.device, dtype=like.dtype).unsqueeze(1)


def member_critic(critic: StackedNet, members: slice) -> Callable[[Tensor], Tensor]:
    """The critics of ``members`` alone, as a function of their samples (K', B, ...)."""
    if members == slice(0, critic.members):
        return critic
    return lambda x: critic(x, params=critic.rows(members), members=members)


#: a whole number of every CPU vector loop's stride (two vectors: 32, 16 or 8 float32 values,
#: 16, 8 or 4 float64 ones, by instruction set)
CPU_VECTOR_MULTIPLE = 64


def each_member(span: Span, loss: Callable[..., Tensor], *outputs: Tensor | None) -> Tensor:
    """``loss`` of the span's members' critic outputs (each (K, B) or None): their losses (k,).

    torch's CPU elementwise kernels (``softplus``, ``exp``, ``log``) run through a contiguous
    tensor in vectors and do its last few elements one at a time, with other rounding. In one
    call on a span's (k, B) outputs, with B no multiple of the vectors' stride, which of a
    member's values were rounded which way would depend on where it lies in its group. So on
    the CPU, unless B is a multiple of :data:`CPU_VECTOR_MULTIPLE`, ``loss`` is called once per
    member, on its rows alone, as when it trains alone; otherwise, and on devices that round
    every element alike, once for the span."""
    s = span.members
    given = [o for o in outputs if o is not None]
    on_cpu = given[0].device.type == "cpu"
    if s.stop - s.start == 1 or not on_cpu or given[0].shape[-1] % CPU_VECTOR_MULTIPLE == 0:
        return loss(*(o[s] if o is not None else None for o in outputs))
    alone = (loss(*(o[k : k + 1] if o is not None else None for o in outputs)) for k in range(s.start, s.stop))
    return torch.cat(list(alone))


def critic_losses(critic: StackedNet, spans: Sequence[Span], real: Tensor, fake: Tensor, draws: MemberDraws) -> Tensor:
    """Every member's critic loss (K,) on batches ``real`` and ``fake`` (K, B, ...): its span's
    objective's loss, plus its span's penalty times the member's weight."""
    b = real.shape[1]
    out = critic(torch.cat([real, fake], dim=1))
    d_real, d_fake = out[:, :b], out[:, b:]
    losses = []
    for span in spans:
        s = span.members
        with blame(s):
            loss = each_member(span, span.objective.critic_loss, d_real, d_fake)
            if span.penalty is not None and span.weight is not None:
                value = span.penalty(member_critic(critic, s), real[s], fake[s], draws.subset(s))
                loss = loss + span.weight * value
        losses.append(loss)
    return torch.cat(losses)


def critic_update(critic: StackedNet, opt: StackedAdam, loss: Tensor, clip: Tensor | None) -> None:
    """One Adam step of every member on its own loss (``loss`` (K,)), then weight clipping."""
    opt.step(torch.autograd.grad(loss.sum(), critic.params))
    if clip is not None:
        critic.clamp_(clip)
