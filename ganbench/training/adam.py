"""Adam for K members at once, with each member's own learning rate and betas.

Adam is elementwise, so one update of the stacked (K, P) parameters is exactly K separate
Adam updates. The arithmetic is ``torch.optim.Adam``'s (no weight decay, no amsgrad),
with lr, beta1 and beta2 as (K, 1) tensors broadcast over each member's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor


class StackedAdam:
    def __init__(
        self, params: Tensor, lr: Sequence[float], betas: Sequence[tuple[float, float]], eps: float = 1e-8
    ) -> None:
        self.params = params

        def column(values: Sequence[float]) -> Tensor:
            return torch.tensor(list(values), device=params.device, dtype=params.dtype).unsqueeze(1)

        self.lr = column(lr)
        self.beta1 = column([b[0] for b in betas])
        self.beta2 = column([b[1] for b in betas])
        self.eps = eps
        self.exp_avg = torch.zeros_like(params, requires_grad=False)
        self.exp_avg_sq = torch.zeros_like(params, requires_grad=False)
        self.steps = 0  # every member of a group has taken the same number of steps

    @torch.no_grad()
    def step(self, grad: Tensor) -> None:
        self.steps += 1
        self.exp_avg.lerp_(grad, 1.0 - self.beta1)
        self.exp_avg_sq.mul_(self.beta2).addcmul_(grad, grad * (1.0 - self.beta2))
        bias1 = 1.0 - self.beta1.pow(self.steps)
        bias2_sqrt = (1.0 - self.beta2.pow(self.steps)).sqrt()
        denom = (self.exp_avg_sq.sqrt() / bias2_sqrt).add_(self.eps)
        self.params.addcdiv_(self.exp_avg, denom * (bias1 / self.lr), value=-1.0)

    def state(self, k: int) -> dict[str, Any]:
        """Member k's optimiser state (CPU tensors), with its hyperparameters for checking."""
        return {
            "exp_avg": self.exp_avg[k].detach().cpu().clone(),
            "exp_avg_sq": self.exp_avg_sq[k].detach().cpu().clone(),
            "steps": self.steps,
            "lr": float(self.lr[k]),
            "betas": [float(self.beta1[k]), float(self.beta2[k])],
        }

    def load_state(self, k: int, state: dict[str, Any]) -> None:
        self.exp_avg[k].copy_(state["exp_avg"])
        self.exp_avg_sq[k].copy_(state["exp_avg_sq"])
        self.steps = int(state["steps"])

    def select(self, params: Tensor, index: Sequence[int]) -> StackedAdam:
        """The optimiser of members ``index`` of this one, now updating ``params``."""
        idx = torch.as_tensor(list(index), device=self.exp_avg.device, dtype=torch.long)
        new = StackedAdam.__new__(StackedAdam)
        new.params, new.eps, new.steps = params, self.eps, self.steps
        for name in ("lr", "beta1", "beta2", "exp_avg", "exp_avg_sq"):
            setattr(new, name, getattr(self, name).index_select(0, idx).clone())
        return new

    @staticmethod
    def concat(params: Tensor, optimisers: Sequence[StackedAdam]) -> StackedAdam:
        """One optimiser for the members of ``optimisers`` (all at the same step), in order."""
        steps = {o.steps for o in optimisers}
        if len(steps) != 1:
            raise ValueError(f"cannot join optimisers at different steps: {sorted(steps)}")
        new = StackedAdam.__new__(StackedAdam)
        new.params, new.eps, new.steps = params, optimisers[0].eps, steps.pop()
        for name in ("lr", "beta1", "beta2", "exp_avg", "exp_avg_sq"):
            setattr(new, name, torch.cat([getattr(o, name) for o in optimisers]))
        return new
