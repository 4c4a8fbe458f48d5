"""Adam for K members at once, with each member's own learning rate and betas.

Adam is elementwise, so one update of stacked (K, ...) parameters is exactly K separate
Adam updates. The arithmetic is ``torch.optim.Adam``'s (no weight decay, no amsgrad).

On the CPU and CUDA the update is PyTorch's fused Adam kernel (``torch.optim.Adam(fused=True)``'s),
called once per distinct (lr, beta1, beta2) with each member's slice of each parameter as a
tensor of its own, so a member's arithmetic never depends on which members lie beside it.
The kernel gets each setting as the Python floats it was given, as ``torch.optim.Adam`` does
(in float32, not rounded to the parameters' precision: β2 = 0.999, not 0.99900001287).
It does in one pass what the elementwise formula (:meth:`StackedAdam.step_elementwise`,
used on other devices) does in several.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

#: members of one setting, and their slices of the parameters, first and second moments
_FusedLists = tuple[list[int], list[Tensor], list[Tensor], list[Tensor]]

#: device types with ``torch._fused_adam_``
FUSED_DEVICES = frozenset({"cpu", "cuda"})


class StackedAdam:
    """Adam over ``params``: tensors (K, ...), row k member k's (see :mod:`~ganbench.stacking.nets`)."""

    def __init__(
        self, params: Sequence[Tensor], lr: Sequence[float], betas: Sequence[tuple[float, float]], eps: float = 1e-8
    ) -> None:
        self.params = tuple(params)
        device, dtype = self.params[0].device, self.params[0].dtype
        #: each member's (lr, beta1, beta2), as given
        self.settings = [(float(r), float(b[0]), float(b[1])) for r, b in zip(lr, betas, strict=True)]

        def column(values: Sequence[float]) -> Tensor:
            return torch.tensor(list(values), device=device, dtype=dtype).unsqueeze(1)

        self.lr = column(lr)
        self.beta1 = column([b[0] for b in betas])
        self.beta2 = column([b[1] for b in betas])
        self.eps = eps
        self.exp_avg = tuple(torch.zeros_like(p, requires_grad=False) for p in self.params)
        self.exp_avg_sq = tuple(torch.zeros_like(p, requires_grad=False) for p in self.params)
        self.steps = 0  # every member of a group has taken the same number of steps

    @property
    def fused(self) -> bool:
        """Does this device have PyTorch's fused Adam kernel?"""
        return self.params[0].device.type in FUSED_DEVICES

    @torch.no_grad()
    def step(self, grads: Sequence[Tensor]) -> None:
        """One Adam update of every member, member k by its own gradients ``g[k]`` of ``grads``."""
        if not self.fused:
            self.step_elementwise(grads)
            return
        self.steps += 1
        step = torch.tensor(float(self.steps), device=self.params[0].device)
        grad_rows = _rows([g.contiguous() for g in grads])
        for (lr, beta1, beta2), (members, params, exp_avg, exp_avg_sq) in self._fused_lists.items():
            torch._fused_adam_(
                params,
                [t for k in members for t in grad_rows[k]],
                exp_avg,
                exp_avg_sq,
                [],
                [step] * len(params),
                lr=lr,
                beta1=beta1,
                beta2=beta2,
                weight_decay=0.0,
                eps=self.eps,
                amsgrad=False,
                maximize=False,
            )

    @functools.cached_property
    def _fused_lists(self) -> dict[tuple[float, float, float], _FusedLists]:
        """Per distinct (lr, beta1, beta2): its members, and their slices of the parameters
        and moments, member by member (views, made once)."""
        params, exp_avg, exp_avg_sq = _rows(self.params), _rows(self.exp_avg), _rows(self.exp_avg_sq)
        return {
            setting: (
                members,
                [t for k in members for t in params[k]],
                [t for k in members for t in exp_avg[k]],
                [t for k in members for t in exp_avg_sq[k]],
            )
            for setting, members in self._settings.items()
        }

    @functools.cached_property
    def _settings(self) -> dict[tuple[float, float, float], list[int]]:
        """The members of each distinct (lr, beta1, beta2), the Python floats given."""
        members: dict[tuple[float, float, float], list[int]] = {}
        for k, setting in enumerate(self.settings):
            members.setdefault(setting, []).append(k)
        return members

    @torch.no_grad()
    def step_elementwise(self, grads: Sequence[Tensor]) -> None:
        """The same update as :meth:`step`, as broadcast tensor arithmetic (any device)."""
        self.steps += 1
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq, strict=True):
            shape = (-1, *[1] * (p.dim() - 1))  # each member's setting, broadcast over its slice
            beta1, beta2, lr = self.beta1.view(shape), self.beta2.view(shape), self.lr.view(shape)
            m.lerp_(g, 1.0 - beta1)
            v.mul_(beta2).addcmul_(g, g * (1.0 - beta2))
            bias1 = 1.0 - beta1.pow(self.steps)
            bias2_sqrt = (1.0 - beta2.pow(self.steps)).sqrt()
            denom = (v.sqrt() / bias2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom * (bias1 / lr), value=-1.0)

    def state(self, k: int) -> dict[str, Any]:
        """Member k's optimiser state (CPU tensors; the moments as one row in parameter
        order), with its hyperparameters for checking."""
        return {
            "exp_avg": _row(self.exp_avg, k),
            "exp_avg_sq": _row(self.exp_avg_sq, k),
            "steps": self.steps,
            "lr": self.settings[k][0],
            "betas": list(self.settings[k][1:]),
        }

    def load_state(self, k: int, state: dict[str, Any]) -> None:
        for name in ("exp_avg", "exp_avg_sq"):
            moments: tuple[Tensor, ...] = getattr(self, name)
            row = state[name]
            if row.numel() != sum(m[k].numel() for m in moments):
                raise ValueError(f"optimiser state {name} has {row.numel()} values, the network has other sizes")
            with torch.no_grad():
                for m, part in zip(moments, row.split([t[k].numel() for t in moments]), strict=True):
                    m[k].copy_(part.view(m[k].shape))
        self.steps = int(state["steps"])

    def select(self, params: Sequence[Tensor], index: Sequence[int]) -> StackedAdam:
        """The optimiser of members ``index`` of this one, now updating ``params``."""
        idx = torch.as_tensor(list(index), device=self.lr.device, dtype=torch.long)
        new = StackedAdam.__new__(StackedAdam)
        new.params, new.eps, new.steps = tuple(params), self.eps, self.steps
        new.settings = [self.settings[k] for k in index]
        for name in ("lr", "beta1", "beta2"):
            setattr(new, name, getattr(self, name).index_select(0, idx).clone())
        for name in ("exp_avg", "exp_avg_sq"):
            setattr(new, name, tuple(t.index_select(0, idx).clone() for t in getattr(self, name)))
        return new

    @staticmethod
    def concat(params: Sequence[Tensor], optimisers: Sequence[StackedAdam]) -> StackedAdam:
        """One optimiser for the members of ``optimisers`` (all at the same step), in order."""
        steps = {o.steps for o in optimisers}
        if len(steps) != 1:
            raise ValueError(f"cannot join optimisers at different steps: {sorted(steps)}")
        new = StackedAdam.__new__(StackedAdam)
        new.params, new.eps, new.steps = tuple(params), optimisers[0].eps, steps.pop()
        new.settings = [s for o in optimisers for s in o.settings]
        for name in ("lr", "beta1", "beta2"):
            setattr(new, name, torch.cat([getattr(o, name) for o in optimisers]))
        for name in ("exp_avg", "exp_avg_sq"):
            parts = [getattr(o, name) for o in optimisers]
            setattr(new, name, tuple(torch.cat(ts) for ts in zip(*parts, strict=True)))
        return new


def _rows(tensors: Sequence[Tensor]) -> list[tuple[Tensor, ...]]:
    """Member k's slices of ``tensors``, for every k."""
    return list(zip(*(t.unbind(0) for t in tensors), strict=True))


def _row(tensors: Sequence[Tensor], k: int) -> Tensor:
    """Member k's slices of ``tensors`` as one flat CPU row."""
    with torch.no_grad():
        return torch.cat([t[k].detach().reshape(-1) for t in tensors]).cpu()
