"""A penalty computed for one critic on one batch: penalties take K members at once, and these
make one critic the single member of a group."""

from __future__ import annotations

import torch


class GlobalDraws:
    """Draws for one member from torch's global generator, so a test can reseed and redraw."""

    def uniform(self, *shape: int) -> torch.Tensor:
        return torch.rand(shape).unsqueeze(0)

    def normal(self, *shape: int) -> torch.Tensor:
        return torch.randn(shape).unsqueeze(0)


def alone(fn, critic, real, fake):
    """``fn`` (a penalty) of one critic on one batch, as the single member of a group."""
    value = fn(lambda x: critic(x[0]).unsqueeze(0), real.unsqueeze(0), fake.unsqueeze(0), GlobalDraws())
    assert value.shape == (1,)
    return value[0]
