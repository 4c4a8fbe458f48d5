"""Special functions the objectives need, written in differentiable, vmap-friendly torch.

``scipy.special.lambertw`` works on NumPy arrays and has no gradient; the Jeffrey
f-GAN needs W(e^x) inside a loss, so it is computed here as the Wright omega
function ω(x) = W₀(e^x), the solution of ω + log ω = x.  Working with x = log of
the Lambert argument never forms e^x, so nothing overflows for large x.
"""

from __future__ import annotations

import torch
from torch import Tensor

#: refinement steps after the initial guess; each one at least triples the correct digits
_ITERATIONS = 3


def _initial_guess(x: Tensor) -> Tensor:
    """Piecewise approximations of ω(x), good to a few digits (Lawrence, Corless & Jeffrey 2012)."""
    # x <= -2: ω = e^x (1 - e^x + 3/2 e^{2x} - ...), the series of W(y) for small y = e^x
    y = torch.exp(torch.clamp(x, max=-2.0))
    small = y * (1.0 - y + 1.5 * y * y)
    # -2 < x <= 1: the Taylor series of ω about x = 1, where ω(1) = 1
    t = x - 1.0
    middle = 1.0 + t / 2.0 + t**2 / 16.0 - t**3 / 192.0 - t**4 / 3072.0 + 13.0 * t**5 / 61440.0
    # x > 1: the asymptotic series ω = x - log x + log x / x + ...
    xl = torch.clamp(x, min=1.0)
    lx = torch.log(xl)
    large = xl - lx + lx / xl + lx * (lx - 2.0) / (2.0 * xl * xl)
    return torch.where(x <= -2.0, small, torch.where(x <= 1.0, middle, large))


def wright_omega(x: Tensor) -> Tensor:
    """ω(x) = W₀(e^x) for real x, elementwise; differentiable (dω/dx = ω / (1 + ω)).

    The initial guess is refined by the fourth-order Fritsch–Shafer–Crowley
    iteration on r = x - ω - log ω.  The guess is detached, and the derivative of
    the refined value with respect to x is that of the iteration, which converges
    to ω/(1 + ω) as fast as the values converge.  A fixed number of steps (no
    data-dependent control flow) keeps the function usable under ``torch.func.vmap``.
    """
    w = _initial_guess(x.detach())
    tiny = torch.finfo(x.dtype).tiny  # e^x underflows to 0 for x < -745 (float64): keep log finite there
    for _ in range(_ITERATIONS):
        r = x - w - torch.log(torch.clamp(w, min=tiny))
        q = 2.0 * (1.0 + w) * (1.0 + w + (2.0 / 3.0) * r)
        w = w * (1.0 + r / (1.0 + w) * (q - r) / (q - 2.0 * r))
    return w
