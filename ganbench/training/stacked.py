"""K copies of one network, their parameters stacked along a leading member axis.

The parameters of member k are row k of one flat leaf tensor of shape (K, P). A forward
pass maps inputs of shape (K, B, ...) to outputs of shape (K, B, ...), member k's inputs
through member k's parameters, and ``torch.autograd.grad(loss, net.flat)`` gives every
member's gradient in one (K, P) tensor. Members share nothing, so the gradient of a sum of
per-member losses is exactly each member's own gradient.

Three ways to run the forward pass, all on the same flat parameters:

* a module that defines ``forward_stacked(params, x)`` (params: name -> (K, ...) tensors)
  runs its own batched code (the built-in MLP uses ``torch.baddbmm``);
* with K = 1, the module runs on member 0's parameters through ``torch.func.functional_call``;
* otherwise ``torch.func.vmap`` over ``functional_call``: any module whose forward pass
  ``vmap`` supports (convolutions, batch norm with its running statistics stacked too).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, vmap


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where each named parameter lies in a member's flat row."""

    names: tuple[str, ...]
    shapes: tuple[torch.Size, ...]
    sizes: tuple[int, ...]

    @classmethod
    def of(cls, module: nn.Module) -> Layout:
        named = list(module.named_parameters())
        return cls(tuple(n for n, _ in named), tuple(p.shape for _, p in named), tuple(p.numel() for _, p in named))

    @property
    def total(self) -> int:
        return sum(self.sizes)

    def unbatched(self, row: Tensor) -> dict[str, Tensor]:
        """Views of one member's parameters in ``row`` (P,)."""
        return {n: t.view(s) for n, t, s in zip(self.names, row.split(self.sizes), self.shapes, strict=True)}

    def batched(self, flat: Tensor) -> dict[str, Tensor]:
        """Views (K, *shape) of every member's parameters in ``flat`` (K, P)."""
        k = flat.shape[0]
        parts = flat.split(self.sizes, dim=1)
        return {n: t.view(k, *s) for n, t, s in zip(self.names, parts, self.shapes, strict=True)}


class StackedNet:
    """K networks of one architecture trained together; see the module docstring."""

    def __init__(self, base: nn.Module, layout: Layout, flat: Tensor, buffers: dict[str, Tensor]) -> None:
        self.base = base
        self.layout = layout
        self.flat = flat
        self.buffers = buffers
        self._stacked_forward = getattr(base, "forward_stacked", None)
        self._vmapped = vmap(self._member_forward)

    @classmethod
    def stack(cls, modules: Sequence[nn.Module], device: str | torch.device, dtype: torch.dtype) -> StackedNet:
        """Stack the parameters and buffers of ``modules`` (same architecture) as members 0..K-1."""
        base = modules[0]
        layout = Layout.of(base)
        with torch.no_grad():
            rows = [torch.cat([p.detach().reshape(-1) for p in m.parameters()]) for m in modules]
            flat = torch.stack(rows).to(device=device, dtype=dtype).requires_grad_(True)
            buffers = {
                name: torch.stack([dict(m.named_buffers())[name] for m in modules]).to(device)
                for name, _ in base.named_buffers()
            }
            buffers = {n: b.to(dtype) if b.is_floating_point() else b for n, b in buffers.items()}
        base = base.to(device=device, dtype=dtype)  # its own tensors are never used, only its code
        return cls(base, layout, flat, buffers)

    @property
    def members(self) -> int:
        """K, the number of stacked members."""
        return int(self.flat.shape[0])

    def _member_forward(self, row: Tensor, buffers: Mapping[str, Tensor], x: Tensor) -> Tensor:
        return functional_call(self.base, {**self.layout.unbatched(row), **buffers}, (x,))

    def __call__(self, x: Tensor, flat: Tensor | None = None, members: slice | None = None) -> Tensor:
        """Outputs (K, B, ...) for inputs ``x`` (K, B, ...). ``flat`` replaces the parameters
        (e.g. detached, or a subset's rows); ``members`` picks the buffers of a subset."""
        flat = self.flat if flat is None else flat
        buffers = self.buffers if members is None else {n: b[members] for n, b in self.buffers.items()}
        if self._stacked_forward is not None and not buffers:
            return self._stacked_forward(self.layout.batched(flat), x)
        if flat.shape[0] == 1:
            return self._member_forward(flat[0], {n: b[0] for n, b in buffers.items()}, x[0]).unsqueeze(0)
        return self._vmapped(flat, buffers, x)

    # ------------------------------------------------------------ members in and out

    def select(self, index: Sequence[int]) -> StackedNet:
        """A new stack holding members ``index`` (in that order), detached from this one's graph."""
        idx = torch.as_tensor(list(index), device=self.flat.device, dtype=torch.long)
        with torch.no_grad():
            flat = self.flat.index_select(0, idx).clone().requires_grad_(True)
            buffers = {n: b.index_select(0, idx).clone() for n, b in self.buffers.items()}
        return StackedNet(self.base, self.layout, flat, buffers)

    @staticmethod
    def concat(nets: Sequence[StackedNet]) -> StackedNet:
        """One stack holding the members of ``nets``, in order."""
        first = nets[0]
        with torch.no_grad():
            flat = torch.cat([n.flat.detach() for n in nets]).requires_grad_(True)
            buffers = {name: torch.cat([n.buffers[name] for n in nets]) for name in first.buffers}
        return StackedNet(first.base, first.layout, flat, buffers)

    def state_dict(self, k: int) -> dict[str, Tensor]:
        """Member k as an ordinary ``state_dict`` (CPU tensors): loadable into the plain module."""
        with torch.no_grad():
            params = self.layout.unbatched(self.flat[k].detach())
            state = {n: t.detach().cpu().clone() for n, t in params.items()}
            state.update({n: b[k].detach().cpu().clone() for n, b in self.buffers.items()})
        return state

    def load_state_dict(self, k: int, state: Mapping[str, Tensor]) -> None:
        """Overwrite member k with a ``state_dict`` written by :meth:`state_dict`."""
        expected = set(self.layout.names) | set(self.buffers)
        if set(state) != expected:
            raise ValueError(f"state has keys {sorted(state)}, expected {sorted(expected)}")
        with torch.no_grad():
            row = torch.cat([state[n].reshape(-1) for n in self.layout.names])
            if row.numel() != self.layout.total:
                raise ValueError("parameter sizes differ from the network's")
            self.flat[k].copy_(row)
            for n, b in self.buffers.items():
                b[k].copy_(state[n])
