"""``check_penalty``: a critic regulariser on a vectorised group of K members.

A penalty is called as ``penalty(critic, real, fake, draws)``: ``real`` and ``fake`` have
shape (K, B, *sample_shape), ``critic`` maps such a tensor to (K, B) outputs (member k's
samples through member k's critic), ``draws`` gives each member's own random numbers, and
the result is each member's unweighted penalty, shape (K,).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from ganbench.objectives.base import Penalty
from ganbench.stacking.draws import MemberDraws
from ganbench.stacking.packing import pack
from ganbench.testing.common import fail, instance


class Draws(MemberDraws):
    """Each member's random numbers from a generator of its own (seeded by ``seeds[k]``), so a
    member's draws never depend on the group it trains in: ``uniform(*shape)`` and
    ``normal(*shape)`` return (K, *shape) tensors, as the trainer's draws do."""

    def __init__(self, seeds: Sequence[int], device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32):
        super().__init__([torch.Generator(device).manual_seed(s) for s in seeds], device, dtype)


class _Critics(torch.nn.Module):
    """K different critics on (K, B, *shape) inputs: D_k(x) = w_k·x + c_k ‖x‖² (so ∇D_k differs per
    member and per sample)."""

    def __init__(self, k: int, features: int, seed: int) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.w = torch.nn.Parameter(torch.randn(k, features, generator=g, dtype=torch.float64))
        self.c = torch.nn.Parameter(0.5 + torch.rand(k, generator=g, dtype=torch.float64))

    def forward(self, x: Tensor) -> Tensor:
        flat = x.flatten(2)
        return (flat * self.w[:, None, :]).sum(-1) + self.c[:, None] * flat.square().sum(-1)

    def member(self, k: int) -> _Critics:
        one = _Critics(1, self.w.shape[1], 0)
        with torch.no_grad():
            one.w.copy_(self.w[k : k + 1])
            one.c.copy_(self.c[k : k + 1])
        return one


def check_penalty(
    cls: type[Penalty] | Penalty,
    params: Mapping[str, Any] | None = None,
    *,
    members: int = 3,
    batch: int = 8,
    sample_shape: tuple[int, ...] = (2, 3),
) -> None:
    """Check penalty ``cls`` (or an instance) on ``members`` critics that differ, batches of
    ``batch`` samples of shape ``sample_shape``:

    - it registers (``__call__(self, critic, real, fake, draws)``);
    - it returns a finite (K,) tensor, differentiable with respect to the critic's parameters
      (a penalty trains the critic);
    - each member's value is the one it gets when it is penalised alone (K = 1) with its own
      draws: no member's penalty depends on another member, on K or on its place in the group;
    - the same seeds give the same values;
    - all of this again on packs (PacGAN): the samples taken :data:`PACK` at a time, concatenated
      along their first feature axis, as a packing trainer hands them to its penalty.
    """
    penalty_obj = instance("penalties", cls, params)
    what = f"penalty '{penalty_obj.name}'"
    g = torch.Generator().manual_seed(7)
    for m in (1, PACK):
        shape = (members, batch * m, *sample_shape)
        real = torch.randn(shape, generator=g, dtype=torch.float64)
        fake = torch.randn(shape, generator=g, dtype=torch.float64) + 1.0
        if m == 1:
            _check_on(penalty_obj, what, real, fake)
            continue
        try:
            _check_on(penalty_obj, f"{what} on packs of {m}", pack(real, m), pack(fake, m))
        except AssertionError:
            raise
        except Exception as exc:
            fail(
                f"{what} on packs of {m}",
                f"raises {type(exc).__name__}: {exc}; a penalty must take samples of any shape (K, B, ...)",
            )


#: the pack size the penalty is checked with on packed samples
PACK = 2


def _check_on(penalty: Penalty, what: str, real: Tensor, fake: Tensor) -> None:
    """The checks of :func:`check_penalty` on samples ``real`` and ``fake`` (K, B, *shape)."""
    members = real.shape[0]
    critics = _Critics(members, int(torch.tensor(real.shape[2:]).prod()), seed=3)
    seeds = [100 + k for k in range(members)]
    value = penalty(critics, real, fake, Draws(seeds, dtype=torch.float64))
    if not isinstance(value, Tensor) or value.shape != (members,):
        got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
        fail(what, f"returned shape {got} for a group of {members}: one unweighted penalty per member, ({members},)")
    if not torch.isfinite(value).all():
        fail(what, f"is not finite: {value.tolist()}")
    grads = (
        torch.autograd.grad(value.sum(), list(critics.parameters()), allow_unused=True) if value.requires_grad else []
    )
    if all(grad is None for grad in grads):
        fail(what, "does not depend on the critic's parameters: build it with create_graph=True gradients")
    if any(grad is not None and not torch.isfinite(grad).all() for grad in grads):
        fail(what, "its gradient with respect to the critic's parameters is not finite")
    again = penalty(critics, real, fake, Draws(seeds, dtype=torch.float64))
    if not torch.equal(again.detach(), value.detach()):
        fail(what, "the same draws give different values: draw random numbers from draws only")
    for k in range(members):
        alone = penalty(critics.member(k), real[k : k + 1], fake[k : k + 1], Draws([seeds[k]], dtype=torch.float64))
        if alone.shape != (1,) or not torch.allclose(alone.detach(), value[k : k + 1].detach(), rtol=1e-9, atol=1e-12):
            fail(
                what,
                f"member {k} gets {value[k].item():.10g} in a group of {members} but {alone.detach().tolist()} alone: "
                "a member's penalty must depend on its own critic, samples and draws only",
            )
