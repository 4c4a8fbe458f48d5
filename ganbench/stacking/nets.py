"""K copies of one network, their parameters stacked along a leading member axis.

Each parameter of the network is one leaf tensor of shape (K, *shape), contiguous, row k
member k's: a forward pass maps inputs of shape (K, B, ...) to outputs of shape
(K, B, ...), member k's inputs through member k's parameters, and
``torch.autograd.grad(loss, net.params)`` gives every member's gradients at once. Members
share nothing, so the gradient of a sum of per-member losses is exactly each member's own
gradient. (One tensor per parameter, not one flat (K, P) tensor split into views: a view
would make every batched matmul copy its weights and every backward pass concatenate
the gradients.)

Three ways to run the forward pass, all on the same parameters:

* a module that defines ``forward_stacked(params, x)`` (params: name -> (K, ...) tensors)
  runs its own batched code (the built-in MLP uses ``torch.baddbmm``);
* with K = 1, the module runs on member 0's parameters through ``torch.func.functional_call``;
* otherwise ``torch.func.vmap`` over ``functional_call``: any module whose forward pass
  ``vmap`` supports (convolutions, batch norm with its running statistics stacked too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, vmap

#: a network's parameters for K members: one (K, *shape) tensor per named parameter
Params = tuple[Tensor, ...]


class StackedNet:
    """K networks of one architecture trained together; see the module docstring."""

    def __init__(self, base: nn.Module, names: Sequence[str], params: Params, buffers: dict[str, Tensor]) -> None:
        self.base = base
        self.names = tuple(names)
        self.params = tuple(params)
        self.buffers = buffers
        self._stacked_forward = getattr(base, "forward_stacked", None)
        self._vmapped = vmap(self._member_forward)

    @classmethod
    def stack(cls, modules: Sequence[nn.Module], device: str | torch.device, dtype: torch.dtype) -> StackedNet:
        """Stack the parameters and buffers of ``modules`` (same architecture) as members 0..K-1."""
        base = modules[0]
        names = [n for n, _ in base.named_parameters()]
        with torch.no_grad():
            per_module = [dict(m.named_parameters()) for m in modules]
            params = tuple(
                torch.stack([p[n].detach() for p in per_module]).to(device=device, dtype=dtype).requires_grad_(True)
                for n in names
            )
            buffers = {
                name: torch.stack([dict(m.named_buffers())[name] for m in modules]).to(device)
                for name, _ in base.named_buffers()
            }
            buffers = {n: b.to(dtype) if b.is_floating_point() else b for n, b in buffers.items()}
        base = base.to(device=device, dtype=dtype)  # its own tensors are never used, only its code
        return cls(base, names, params, buffers)

    @property
    def members(self) -> int:
        """K, the number of stacked members."""
        return int(self.params[0].shape[0])

    @property
    def device(self) -> torch.device:
        return self.params[0].device

    @property
    def dtype(self) -> torch.dtype:
        return self.params[0].dtype

    def _member_forward(self, params: Params, buffers: Mapping[str, Tensor], x: Tensor) -> Tensor:
        return functional_call(self.base, {**dict(zip(self.names, params, strict=True)), **buffers}, (x,))

    def __call__(self, x: Tensor, params: Params | None = None, members: slice | None = None) -> Tensor:
        """Outputs (K, B, ...) for inputs ``x`` (K, B, ...). ``params`` replaces the parameters
        (e.g. :meth:`detached`, or a subset's :meth:`rows`); ``members`` picks the buffers of
        a subset."""
        params = self.params if params is None else params
        buffers = self.buffers if members is None else {n: b[members] for n, b in self.buffers.items()}
        if self._stacked_forward is not None and not buffers:
            return self._stacked_forward(dict(zip(self.names, params, strict=True)), x)
        if params[0].shape[0] == 1:
            first = tuple(p[0] for p in params)
            return self._member_forward(first, {n: b[0] for n, b in buffers.items()}, x[0]).unsqueeze(0)
        return self._vmapped(params, buffers, x)

    # ------------------------------------------------------------ the parameters

    def detached(self) -> Params:
        """The parameters, detached from the graph (a frozen critic)."""
        return tuple(p.detach() for p in self.params)

    def rows(self, members: slice) -> Params:
        """The parameters of ``members`` (views, still in the graph)."""
        return tuple(p[members] for p in self.params)

    @torch.no_grad()
    def clamp_(self, bound: Tensor) -> None:
        """Clip member k's parameters to [-bound[k], bound[k]] (``bound`` (K, 1))."""
        for p in self.params:
            b = bound.view(-1, *[1] * (p.dim() - 1))
            p.clamp_(min=-b, max=b)

    @torch.no_grad()
    def finite(self) -> Tensor:
        """Per member (K,): are all its parameters finite?"""
        return torch.stack([torch.isfinite(p).flatten(1).all(dim=1) for p in self.params]).all(dim=0)

    def with_params(self, params: Params) -> StackedNet:
        """The same networks with other parameters (and the same buffers)."""
        return StackedNet(self.base, self.names, params, self.buffers)

    def with_own_buffers(self) -> StackedNet:
        """The same networks (parameters shared) with a copy of the buffers: a forward pass of
        the copy in training mode, which updates batch norm's running statistics, leaves this
        one's as they were."""
        with torch.no_grad():
            buffers = {n: b.clone() for n, b in self.buffers.items()}
        return StackedNet(self.base, self.names, self.params, buffers)

    # ------------------------------------------------------------ members in and out

    def select(self, index: Sequence[int]) -> StackedNet:
        """A new stack holding members ``index`` (in that order), detached from this one's graph."""
        idx = torch.as_tensor(list(index), device=self.device, dtype=torch.long)
        with torch.no_grad():
            params = tuple(p.index_select(0, idx).clone().requires_grad_(True) for p in self.params)
            buffers = {n: b.index_select(0, idx).clone() for n, b in self.buffers.items()}
        return StackedNet(self.base, self.names, params, buffers)

    @staticmethod
    def concat(nets: Sequence[StackedNet]) -> StackedNet:
        """One stack holding the members of ``nets``, in order."""
        first = nets[0]
        with torch.no_grad():
            params = tuple(
                torch.cat([n.params[i].detach() for n in nets]).requires_grad_(True) for i in range(len(first.names))
            )
            buffers = {name: torch.cat([n.buffers[name] for n in nets]) for name in first.buffers}
        return StackedNet(first.base, first.names, params, buffers)

    def state_dict(self, k: int) -> dict[str, Tensor]:
        """Member k as an ordinary ``state_dict`` (CPU tensors): loadable into the plain module."""
        with torch.no_grad():
            state = {n: p[k].detach().cpu().clone() for n, p in zip(self.names, self.params, strict=True)}
            state.update({n: b[k].detach().cpu().clone() for n, b in self.buffers.items()})
        return state

    def load_state_dict(self, k: int, state: Mapping[str, Tensor]) -> None:
        """Overwrite member k with a ``state_dict`` written by :meth:`state_dict`."""
        expected = set(self.names) | set(self.buffers)
        if set(state) != expected:
            raise ValueError(f"state has keys {sorted(state)}, expected {sorted(expected)}")
        with torch.no_grad():
            for n, p in zip(self.names, self.params, strict=True):
                if state[n].shape != p.shape[1:]:
                    raise ValueError(f"parameter {n} has shape {tuple(state[n].shape)}, expected {tuple(p.shape[1:])}")
                p[k].copy_(state[n])
            for n, b in self.buffers.items():
                b[k].copy_(state[n])
