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
from collections.abc import Callable
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
    """Base of the f-GAN objectives: a subclass gives ``activation`` (g_f) and ``conjugate`` (f* ∘ g_f);
    the built-in members below are made from their rows in the tables that follow."""

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


# The members, one row per divergence in each of the tables below, all keyed by the objective's name.

#: what the listing says: the description (after "f-GAN, "), the divergence, the quantity reported and its range
_REPORTED: dict[str, tuple[str, str, str, str]] = {
    "kl": ("Kullback-Leibler KL(p‖q)", "Kullback-Leibler", "KL(p‖q)", ""),
    "reverse-kl": ("reverse Kullback-Leibler KL(q‖p)", "reverse Kullback-Leibler", "KL(q‖p)", ""),
    "pearson": ("Pearson χ²", "Pearson χ²", "Pearson χ²(p‖q) = ∫(p - q)²/q", ""),
    "neyman": ("Neyman χ²", "Neyman χ²", "Neyman χ²(p‖q) = ∫(p - q)²/p", ""),
    "hellinger": ("squared Hellinger", "squared Hellinger", "∫(√p - √q)²", "[0, 2]"),
    "jeffrey": ("Jeffrey (symmetrised KL)", "Jeffrey", "KL(p‖q) + KL(q‖p)", ""),
    "fgan-js": ("Jensen-Shannon", "Jensen-Shannon", "2·JSD", "[0, log 4]"),
    "fgan-gan": ("the original GAN divergence", "Jensen-Shannon (GAN form)", "2·JSD - log 4", "[-log 4, 0]"),
    "tv": ("total variation", "total variation", "TV = ½∫|p - q|", "[0, 1]"),
}

#: f(u), g_f(v) and f*(t) as Nowozin et al.'s Table 2 writes them
_TABLE_2: dict[str, tuple[str, str, str]] = {
    "kl": ("u log u", "v", "exp(t - 1)"),
    "reverse-kl": ("-log u", "-exp(-v)", "-1 - log(-t)"),
    "pearson": ("(u - 1)²", "v", "t²/4 + t"),
    "neyman": ("(1 - u)²/u", "1 - exp(-v)", "2 - 2√(1 - t)"),
    "hellinger": ("(√u - 1)²", "1 - exp(-v)", "t/(1 - t)"),
    "jeffrey": ("(u - 1) log u", "v", "W(e^(1-t)) + 1/W(e^(1-t)) + t - 2"),
    "fgan-js": ("-(u + 1) log((1 + u)/2) + u log u", "log 2 - log(1 + exp(-v))", "-log(2 - exp(t))"),
    "fgan-gan": ("u log u - (u + 1) log(u + 1)", "-log(1 + exp(-v))", "-log(1 - exp(t))"),
    "tv": ("½|u - 1|", "½ tanh v", "t"),
}

#: an elementwise function of the raw critic output
_Elementwise = Callable[[Tensor], Tensor]


def _jeffrey_conjugate(v: Tensor) -> Tensor:
    """f*(g_f(v)) of the Jeffrey row, computed as its note says."""
    w = wright_omega(1.0 - v)
    return w + torch.exp(w + v - 1.0) + v - 2.0


#: g_f(V) and f*(g_f(V)) as the code computes them from the raw critic output, as text and as a function.
_COMPUTED: dict[str, tuple[str, _Elementwise, str, _Elementwise]] = {
    "kl": ("V", lambda v: v, "exp(V - 1)", lambda v: torch.exp(v - 1.0)),
    # the conjugate: -1 - log(exp(-v))
    "reverse-kl": ("-exp(-V)", lambda v: -torch.exp(-v), "V - 1", lambda v: v - 1.0),
    "pearson": ("V", lambda v: v, "V²/4 + V", lambda v: 0.25 * v.square() + v),
    # the conjugate: 2 - 2·sqrt(exp(-v))
    "neyman": ("1 - exp(-V)", lambda v: -torch.expm1(-v), "2 - 2 exp(-V/2)", lambda v: -2.0 * torch.expm1(-0.5 * v)),
    # the conjugate: (1 - e^-v)/e^-v
    "hellinger": ("1 - exp(-V)", lambda v: -torch.expm1(-v), "exp(V) - 1", torch.expm1),
    "jeffrey": ("V", lambda v: v, "ω + 1/ω + V - 2, ω = W(e^(1 - V))", _jeffrey_conjugate),
    # the conjugate: -log(2 - 2σ(v)) = -log 2 - log σ(-v)
    "fgan-js": (
        "log 2 - softplus(-V)",
        lambda v: _LOG2 - F.softplus(-v),
        "softplus(V) - log 2",
        lambda v: F.softplus(v) - _LOG2,
    ),
    # the activation is log σ(v), the conjugate -log(1 - σ(v))
    "fgan-gan": ("-softplus(-V)", lambda v: -F.softplus(-v), "softplus(V)", F.softplus),
    "tv": ("½ tanh V", lambda v: 0.5 * torch.tanh(v), "½ tanh V", lambda v: 0.5 * torch.tanh(v)),
}


#: what a row's formulas leave unsaid: the class's documentation
_NOTES: dict[str, str] = {
    "pearson": """f*(t) = t²/4 + t is the conjugate of (u - 1)² over all real u; over u ≥ 0 it is -1 for
    t < -2, so for such outputs the bound is looser, never invalid.""",
    "jeffrey": """f*(t) = W(e^{1-t}) + 1/W(e^{1-t}) + t - 2 with W the principal Lambert W.  With
    ω = W(e^{1-v}) = wright_omega(1 - v), log ω = 1 - v - ω, so 1/ω = exp(ω + v - 1):
    no e^{1-v} is formed and no division by a tiny ω.""",
    "fgan-gan": """The original GAN's critic written as an f-GAN: the critic loss equals the minimax
    one, E softplus(-V) + E softplus(V); the estimate is minus it.""",
    "tv": """f is not differentiable at 1: the supremum is approached as V → ±∞ where p ≷ q.
    g_f = f* ∘ g_f here, so the saturating and non-saturating generator losses coincide.""",
}


def _member(class_name: str, name: str) -> type[FGAN]:
    """The objective ``name`` of the tables: a subclass of :class:`FGAN` named ``class_name``
    (the name it has in this module, so that it pickles)."""
    description, divergence, quantity, bounds = _REPORTED[name]
    f, g_f, f_star = _TABLE_2[name]
    t_text, activation, c_text, conjugate = _COMPUTED[name]
    namespace = {
        "__module__": __name__,
        "__qualname__": class_name,
        "__doc__": _NOTES.get(name),
        "name": name,
        "description": f"f-GAN, {description}",
        "divergence": divergence,
        "quantity": quantity,
        "bounds": bounds,
        "f": f,
        "g_f": g_f,
        "f_star": f_star,
        "t_text": t_text,
        "c_text": c_text,
        "activation": staticmethod(activation),
        "conjugate": staticmethod(conjugate),
    }
    return dataclasses.dataclass(frozen=True)(type(class_name, (FGAN,), namespace))


KL = _member("KL", "kl")
ReverseKL = _member("ReverseKL", "reverse-kl")
Pearson = _member("Pearson", "pearson")
Neyman = _member("Neyman", "neyman")
Hellinger = _member("Hellinger", "hellinger")
Jeffrey = _member("Jeffrey", "jeffrey")
JensenShannon = _member("JensenShannon", "fgan-js")
GAN = _member("GAN", "fgan-gan")
TotalVariation = _member("TotalVariation", "tv")

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
