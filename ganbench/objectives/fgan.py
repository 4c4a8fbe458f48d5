"""The f-GAN family (Nowozin, Cseke & Tomioka 2016).

For a convex f with f(1) = 0, D_f(P‖Q) = ∫ q f(p/q) (P the data, Q the generator)
and, by Fenchel duality, for any critic output V and output activation g_f,

    D_f(P‖Q) ≥ E_P[g_f(V(x))] - E_Q[f*(g_f(V(x)))],

with equality at V* = g_f⁻¹(f′(p/q)).  The critic maximises the right-hand side
(its loss is minus it) and that right-hand side is the reported estimate, in nats.
(The GAN row's f has f(1) = -log 4, so its value, 2·JSD - log 4, is offset by -log 4.)

Each member below writes g_f(v) and the composite f*(g_f(v)) as functions of the
raw critic output v, simplified so that no logarithm of a non-positive number is
ever taken and nothing overflows for |v| ≤ 50 in float32: for example, for the
Jensen–Shannon row f*(g_f(v)) = -log(2 - exp(log 2 - softplus(-v))) simplifies
to softplus(v) - log 2.

The generator minimises the critic's objective, of which only the fake term
depends on it: ``generator = "saturating"`` is -E_Q f*(g_f(V(G(z)))); the default
``"nonsaturating"`` is -E_Q g_f(V(G(z))), the heuristic Nowozin et al. use in their
experiments (as Goodfellow et al. do for the original GAN).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from ganbench.components import param
from ganbench.hookspecs import Register, hookimpl
from ganbench.objectives.base import Objective, mean
from ganbench.objectives.special import wright_omega

_LOG2 = math.log(2.0)


@dataclasses.dataclass(frozen=True)
class FGAN(Objective):
    """Base of the f-GAN objectives: a subclass gives ``activation`` (g_f) and ``conjugate`` (f* ∘ g_f)."""

    family: ClassVar[str] = "f-gan"
    reference: ClassVar[str] = "Nowozin et al. 2016"
    #: the generator function, output activation and its conjugate, as text (Nowozin et al., Table 2);
    #: ``ganbench list objectives`` prints them (see ``formulas``), and the README's table is that output
    f: ClassVar[str] = ""
    g_f: ClassVar[str] = ""
    f_star: ClassVar[str] = ""
    #: the divergence reported, and g_f(V) and f*(g_f(V)) as the code computes them, as text;
    #: ``reports`` is made from these
    quantity: ClassVar[str] = ""
    bounds: ClassVar[str] = ""
    t_text: ClassVar[str] = ""
    c_text: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.quantity:
            cls.reports = f"{cls.bounded_quantity()} ≥ E_p[{cls.t_text}] - E_q[{cls.c_text}]"

    # An option, settable in a suite (`generator = "saturating"`); `describe_generator` gives its text.
    generator: Literal["nonsaturating", "saturating"] = param(
        "nonsaturating",
        help="'nonsaturating': -E g_f(V(G(z))); 'saturating': -E f*(g_f(V(G(z)))), the critic's own objective",
    )

    def describe_generator(self) -> str:
        if self.generator == "saturating":
            return f"saturating: -E_q[{self.c_text}]"
        return f"non-saturating: -E_q[{self.t_text}]"

    @classmethod
    def bounded_quantity(cls) -> str:
        return f"{cls.quantity} (in {cls.bounds})" if cls.bounds else cls.quantity

    @classmethod
    def formulas(cls) -> dict[str, str]:
        return {
            "f(u)": cls.f,
            "g_f(v)": cls.g_f,
            "f*(t)": cls.f_star,
            "reports (D_f(P‖Q) = ∫ q f(p/q), P data, Q generator)": cls.bounded_quantity(),
        }

    def activation(self, v: Tensor) -> Tensor:
        """g_f(v): maps the raw critic output into the domain of f*."""
        raise NotImplementedError

    def conjugate(self, v: Tensor) -> Tensor:
        """f*(g_f(v)), in a numerically stable form."""
        raise NotImplementedError

    def critic_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return -self.estimate(real, fake)

    def generator_loss(self, real: Tensor | None, fake: Tensor) -> Tensor:
        if self.generator == "saturating":
            return -mean(self.conjugate(fake))
        return -mean(self.activation(fake))

    def estimate(self, real: Tensor, fake: Tensor) -> Tensor:
        return mean(self.activation(real)) - mean(self.conjugate(fake))


@dataclasses.dataclass(frozen=True)
class KL(FGAN):
    name: ClassVar[str] = "kl"
    description: ClassVar[str] = "f-GAN, Kullback-Leibler KL(p‖q)"
    divergence: ClassVar[str] = "Kullback-Leibler"
    quantity: ClassVar[str] = "KL(p‖q)"
    t_text: ClassVar[str] = "V"
    c_text: ClassVar[str] = "exp(V - 1)"
    f: ClassVar[str] = "u log u"
    g_f: ClassVar[str] = "v"
    f_star: ClassVar[str] = "exp(t - 1)"

    def activation(self, v: Tensor) -> Tensor:
        return v

    def conjugate(self, v: Tensor) -> Tensor:
        return torch.exp(v - 1.0)


@dataclasses.dataclass(frozen=True)
class ReverseKL(FGAN):
    name: ClassVar[str] = "reverse-kl"
    description: ClassVar[str] = "f-GAN, reverse Kullback-Leibler KL(q‖p)"
    divergence: ClassVar[str] = "reverse Kullback-Leibler"
    quantity: ClassVar[str] = "KL(q‖p)"
    t_text: ClassVar[str] = "-exp(-V)"
    c_text: ClassVar[str] = "V - 1"
    f: ClassVar[str] = "-log u"
    g_f: ClassVar[str] = "-exp(-v)"
    f_star: ClassVar[str] = "-1 - log(-t)"

    def activation(self, v: Tensor) -> Tensor:
        return -torch.exp(-v)

    def conjugate(self, v: Tensor) -> Tensor:
        return v - 1.0  # -1 - log(exp(-v))


@dataclasses.dataclass(frozen=True)
class Pearson(FGAN):
    """f*(t) = t²/4 + t is the conjugate of (u - 1)² over all real u; over u ≥ 0 it is -1 for
    t < -2, so for such outputs the bound is looser, never invalid."""

    name: ClassVar[str] = "pearson"
    description: ClassVar[str] = "f-GAN, Pearson χ²"
    divergence: ClassVar[str] = "Pearson χ²"
    quantity: ClassVar[str] = "Pearson χ²(p‖q) = ∫(p - q)²/q"
    t_text: ClassVar[str] = "V"
    c_text: ClassVar[str] = "V²/4 + V"
    f: ClassVar[str] = "(u - 1)²"
    g_f: ClassVar[str] = "v"
    f_star: ClassVar[str] = "t²/4 + t"

    def activation(self, v: Tensor) -> Tensor:
        return v

    def conjugate(self, v: Tensor) -> Tensor:
        return 0.25 * v.square() + v


@dataclasses.dataclass(frozen=True)
class Neyman(FGAN):
    name: ClassVar[str] = "neyman"
    description: ClassVar[str] = "f-GAN, Neyman χ²"
    divergence: ClassVar[str] = "Neyman χ²"
    quantity: ClassVar[str] = "Neyman χ²(p‖q) = ∫(p - q)²/p"
    t_text: ClassVar[str] = "1 - exp(-V)"
    c_text: ClassVar[str] = "2 - 2 exp(-V/2)"
    f: ClassVar[str] = "(1 - u)²/u"
    g_f: ClassVar[str] = "1 - exp(-v)"
    f_star: ClassVar[str] = "2 - 2√(1 - t)"

    def activation(self, v: Tensor) -> Tensor:
        return -torch.expm1(-v)

    def conjugate(self, v: Tensor) -> Tensor:
        return -2.0 * torch.expm1(-0.5 * v)  # 2 - 2·sqrt(exp(-v))


@dataclasses.dataclass(frozen=True)
class Hellinger(FGAN):
    name: ClassVar[str] = "hellinger"
    description: ClassVar[str] = "f-GAN, squared Hellinger"
    divergence: ClassVar[str] = "squared Hellinger"
    quantity: ClassVar[str] = "∫(√p - √q)²"
    bounds: ClassVar[str] = "[0, 2]"
    t_text: ClassVar[str] = "1 - exp(-V)"
    c_text: ClassVar[str] = "exp(V) - 1"
    f: ClassVar[str] = "(√u - 1)²"
    g_f: ClassVar[str] = "1 - exp(-v)"
    f_star: ClassVar[str] = "t/(1 - t)"

    def activation(self, v: Tensor) -> Tensor:
        return -torch.expm1(-v)

    def conjugate(self, v: Tensor) -> Tensor:
        return torch.expm1(v)  # (1 - e^-v)/e^-v


@dataclasses.dataclass(frozen=True)
class Jeffrey(FGAN):
    """f*(t) = W(e^{1-t}) + 1/W(e^{1-t}) + t - 2 with W the principal Lambert W.  With
    ω = W(e^{1-v}) = wright_omega(1 - v), log ω = 1 - v - ω, so 1/ω = exp(ω + v - 1):
    no e^{1-v} is formed and no division by a tiny ω."""

    name: ClassVar[str] = "jeffrey"
    description: ClassVar[str] = "f-GAN, Jeffrey (symmetrised KL)"
    divergence: ClassVar[str] = "Jeffrey"
    quantity: ClassVar[str] = "KL(p‖q) + KL(q‖p)"
    t_text: ClassVar[str] = "V"
    c_text: ClassVar[str] = "ω + 1/ω + V - 2, ω = W(e^(1 - V))"
    f: ClassVar[str] = "(u - 1) log u"
    g_f: ClassVar[str] = "v"
    f_star: ClassVar[str] = "W(e^(1-t)) + 1/W(e^(1-t)) + t - 2"

    def activation(self, v: Tensor) -> Tensor:
        return v

    def conjugate(self, v: Tensor) -> Tensor:
        w = wright_omega(1.0 - v)
        return w + torch.exp(w + v - 1.0) + v - 2.0


@dataclasses.dataclass(frozen=True)
class JensenShannon(FGAN):
    name: ClassVar[str] = "fgan-js"
    description: ClassVar[str] = "f-GAN, Jensen-Shannon"
    divergence: ClassVar[str] = "Jensen-Shannon"
    quantity: ClassVar[str] = "2·JSD"
    bounds: ClassVar[str] = "[0, log 4]"
    t_text: ClassVar[str] = "log 2 - softplus(-V)"
    c_text: ClassVar[str] = "softplus(V) - log 2"
    f: ClassVar[str] = "-(u + 1) log((1 + u)/2) + u log u"
    g_f: ClassVar[str] = "log 2 - log(1 + exp(-v))"
    f_star: ClassVar[str] = "-log(2 - exp(t))"

    def activation(self, v: Tensor) -> Tensor:
        return _LOG2 - F.softplus(-v)

    def conjugate(self, v: Tensor) -> Tensor:
        return F.softplus(v) - _LOG2  # -log(2 - 2σ(v)) = -log 2 - log σ(-v)


@dataclasses.dataclass(frozen=True)
class GAN(FGAN):
    """The original GAN's critic written as an f-GAN: the critic loss equals the minimax
    one, E softplus(-V) + E softplus(V); the estimate is minus it."""

    name: ClassVar[str] = "fgan-gan"
    description: ClassVar[str] = "f-GAN, the original GAN divergence"
    divergence: ClassVar[str] = "Jensen-Shannon (GAN form)"
    quantity: ClassVar[str] = "2·JSD - log 4"
    bounds: ClassVar[str] = "[-log 4, 0]"
    t_text: ClassVar[str] = "-softplus(-V)"
    c_text: ClassVar[str] = "softplus(V)"
    f: ClassVar[str] = "u log u - (u + 1) log(u + 1)"
    g_f: ClassVar[str] = "-log(1 + exp(-v))"
    f_star: ClassVar[str] = "-log(1 - exp(t))"

    def activation(self, v: Tensor) -> Tensor:
        return -F.softplus(-v)  # log σ(v)

    def conjugate(self, v: Tensor) -> Tensor:
        return F.softplus(v)  # -log(1 - σ(v))


@dataclasses.dataclass(frozen=True)
class TotalVariation(FGAN):
    """f is not differentiable at 1: the supremum is approached as V → ±∞ where p ≷ q.
    g_f = f* ∘ g_f here, so the saturating and non-saturating generator losses coincide."""

    name: ClassVar[str] = "tv"
    description: ClassVar[str] = "f-GAN, total variation"
    divergence: ClassVar[str] = "total variation"
    quantity: ClassVar[str] = "TV = ½∫|p - q|"
    bounds: ClassVar[str] = "[0, 1]"
    t_text: ClassVar[str] = "½ tanh V"
    c_text: ClassVar[str] = "½ tanh V"
    f: ClassVar[str] = "½|u - 1|"
    g_f: ClassVar[str] = "½ tanh v"
    f_star: ClassVar[str] = "t"

    def activation(self, v: Tensor) -> Tensor:
        return 0.5 * torch.tanh(v)

    def conjugate(self, v: Tensor) -> Tensor:
        return 0.5 * torch.tanh(v)


MEMBERS: tuple[type[FGAN], ...] = (
    KL,
    ReverseKL,
    Pearson,
    Neyman,
    Hellinger,
    Jeffrey,
    JensenShannon,
    GAN,
    TotalVariation,
)


@hookimpl
def register_objectives(register: Register) -> None:
    for cls in MEMBERS:
        register(cls)
