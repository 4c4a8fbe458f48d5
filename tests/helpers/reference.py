"""Reference mathematics for the objective tests, written from the papers in NumPy/SciPy,
independently of ganbench's objective code.

The f-GAN rows are Table 2 of Nowozin et al. 2016 (also `../shared/design.md`): the
generator function f, its derivative f′, the output activation g_f and its inverse.
The optimal critic output is V*(x) = g_f⁻¹(f′(p(x)/q(x))), and the true divergence
D_f(P‖Q) = ∫ q f(p/q) is integrated by `scipy.integrate.quad`.

The test distributions are P = N(0, 1) (data) and Q = N(1, 1) (generator), for
which p/q = exp(½ - x).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy import integrate, stats

Array = np.ndarray
P = stats.norm(0.0, 1.0)
Q = stats.norm(1.0, 1.0)


def ratio(x: Array) -> Array:
    """p(x)/q(x) for P = N(0, 1), Q = N(1, 1)."""
    return np.exp(P.logpdf(x) - Q.logpdf(x))


@dataclasses.dataclass(frozen=True)
class FRow:
    f: Callable[[Array], Array]
    f_prime: Callable[[Array], Array]
    g: Callable[[Array], Array]  # g_f(v)
    g_inv: Callable[[Array], Array]  # g_f⁻¹(t)


def _log1pexp(v: Array) -> Array:
    return np.logaddexp(0.0, v)


F_TABLE: dict[str, FRow] = {
    "kl": FRow(
        f=lambda u: u * np.log(u),
        f_prime=lambda u: np.log(u) + 1.0,
        g=lambda v: v,
        g_inv=lambda t: t,
    ),
    "reverse-kl": FRow(
        f=lambda u: -np.log(u),
        f_prime=lambda u: -1.0 / u,
        g=lambda v: -np.exp(-v),
        g_inv=lambda t: -np.log(-t),
    ),
    "pearson": FRow(
        f=lambda u: (u - 1.0) ** 2,
        f_prime=lambda u: 2.0 * (u - 1.0),
        g=lambda v: v,
        g_inv=lambda t: t,
    ),
    "neyman": FRow(
        f=lambda u: (1.0 - u) ** 2 / u,
        f_prime=lambda u: 1.0 - 1.0 / u**2,
        g=lambda v: 1.0 - np.exp(-v),
        g_inv=lambda t: -np.log(1.0 - t),
    ),
    "hellinger": FRow(
        f=lambda u: (np.sqrt(u) - 1.0) ** 2,
        f_prime=lambda u: 1.0 - 1.0 / np.sqrt(u),
        g=lambda v: 1.0 - np.exp(-v),
        g_inv=lambda t: -np.log(1.0 - t),
    ),
    "jeffrey": FRow(
        f=lambda u: (u - 1.0) * np.log(u),
        f_prime=lambda u: np.log(u) + 1.0 - 1.0 / u,
        g=lambda v: v,
        g_inv=lambda t: t,
    ),
    "fgan-js": FRow(
        f=lambda u: -(u + 1.0) * np.log((1.0 + u) / 2.0) + u * np.log(u),
        f_prime=lambda u: np.log(2.0 * u / (1.0 + u)),
        g=lambda v: math.log(2.0) - _log1pexp(-v),
        g_inv=lambda t: -np.log(2.0 * np.exp(-t) - 1.0),
    ),
    "fgan-gan": FRow(
        f=lambda u: u * np.log(u) - (u + 1.0) * np.log(u + 1.0),
        f_prime=lambda u: np.log(u / (u + 1.0)),
        g=lambda v: -_log1pexp(-v),
        g_inv=lambda t: -np.log(np.exp(-t) - 1.0),
    ),
    # f is not differentiable at u = 1; f′ = ±½ elsewhere and g_f⁻¹(±½) = ±∞: the supremum is
    # approached, not attained, so V* is taken where tanh V = ±(1 - 1e-15).
    "tv": FRow(
        f=lambda u: 0.5 * np.abs(u - 1.0),
        f_prime=lambda u: 0.5 * np.sign(u - 1.0),
        g=lambda v: 0.5 * np.tanh(v),
        g_inv=lambda t: np.arctanh(np.clip(2.0 * t, -1.0 + 1e-15, 1.0 - 1e-15)),
    ),
}


def expect(dist: stats.rv_continuous, h: Callable[[Array], Array]) -> float:
    """E_dist[h(x)] by adaptive quadrature (the integrands decay like Gaussians beyond ±40)."""
    value, _ = integrate.quad(
        lambda x: dist.pdf(x) * h(np.asarray(x)), -40.0, 40.0, points=[0.5], limit=500, epsabs=1e-13, epsrel=1e-11
    )
    return value


def f_divergence(name: str, lo: float = -40.0, hi: float = 40.0) -> float:
    """D_f(P‖Q) = ∫ q f(p/q); with ``lo``, ``hi``: the integral over [lo, hi] only."""
    row = F_TABLE[name]
    value, _ = integrate.quad(
        lambda x: Q.pdf(x) * row.f(ratio(np.asarray(x))),
        lo,
        hi,
        points=[0.5] if lo < 0.5 < hi else None,
        limit=500,
        epsabs=1e-13,
        epsrel=1e-11,
    )
    return value


def optimal_critic(name: str, x: Array) -> Array:
    """V*(x) = g_f⁻¹(f′(p(x)/q(x)))."""
    row = F_TABLE[name]
    return row.g_inv(row.f_prime(ratio(x)))


def optimal_term_std(name: str) -> float:
    """Standard deviation of one sample's contribution to the estimate at V*, i.e.
    sqrt(Var_P f′(r) + Var_Q f*(f′(r))) with f*(f′(u)) = u f′(u) - f(u) (Fenchel equality);
    the Monte Carlo standard error of the estimate on n samples of each is this / √n."""
    row = F_TABLE[name]

    def t(x: Array) -> Array:
        return row.f_prime(ratio(x))

    def c(x: Array) -> Array:
        r = ratio(x)
        return r * row.f_prime(r) - row.f(r)

    var_p = expect(P, lambda x: t(x) ** 2) - expect(P, t) ** 2
    var_q = expect(Q, lambda x: c(x) ** 2) - expect(Q, c) ** 2
    return math.sqrt(var_p + var_q)


def jsd() -> float:
    """Jensen–Shannon divergence ½KL(P‖M) + ½KL(Q‖M), M = (P + Q)/2, in nats."""

    def half_kl(a: stats.rv_continuous, b: stats.rv_continuous) -> float:
        return 0.5 * expect(a, lambda x: a.logpdf(x) - np.logaddexp(a.logpdf(x), b.logpdf(x)) + math.log(2.0))

    return half_kl(P, Q) + half_kl(Q, P)


def total_variation() -> float:
    return 0.5 * integrate.quad(lambda x: abs(P.pdf(x) - Q.pdf(x)), -40.0, 40.0, points=[0.5], limit=500)[0]


def triangular_discrimination() -> float:
    """Δ(P, Q) = ∫ (p - q)² / (p + q)."""
    return integrate.quad(  # ±20: far enough for the Gaussians' mass, near enough that p + q > 0 in floats
        lambda x: (P.pdf(x) - Q.pdf(x)) ** 2 / (P.pdf(x) + Q.pdf(x)), -20.0, 21.0, points=[0.5], limit=500
    )[0]


W1 = 1.0  # Wasserstein-1 between two Gaussians that differ by a shift of 1: the shift
