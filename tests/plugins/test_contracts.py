"""What a component class must be to register (ganbench.contracts), case by case."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

import ganbench
from ganbench.contracts import Refused, check, compatible


def sig(*params):
    """A function with the given parameter text, for signature comparisons."""
    ns: dict = {}
    exec(f"def f({', '.join(params)}): pass", ns)
    return ns["f"]


@pytest.mark.parametrize(
    ("expected", "given", "ok"),
    [
        (("self", "real", "fake"), ("self", "real", "fake"), True),
        (("self", "real", "fake"), ("self", "fake", "real"), False),
        (("self", "real", "fake"), ("self", "real", "fake", "scale=1.0"), True),
        (("self", "real", "fake"), ("self", "real", "fake", "scale"), False),
        (("self", "real", "fake"), ("self", "real"), False),
        (("self", "*", "real", "fake"), ("self", "*", "fake", "real"), True),  # keyword-only: order is free
        (("self", "*", "real", "fake"), ("self", "real", "fake"), False),  # positional: swappable by position
        (("self", "*", "real", "fake"), ("self", "*", "real"), False),
        (("self", "n", "generator=None"), ("self", "n", "generator"), False),  # the default must stay
        (("self", "fn", "*args"), ("self", "fn"), False),
        (("self", "*", "real"), ("self", "*", "real", "**kwargs"), True),
    ],
)
def test_signatures_are_compatible_when_every_call_the_harness_makes_still_works(expected, given, ok):
    assert compatible(sig(*expected), sig(*given)) is ok


def test_a_positional_metric_is_refused_but_one_with_the_arguments_reordered_by_keyword_is_not():
    @dataclasses.dataclass(frozen=True)
    class Good(ganbench.Metric):
        name: ClassVar[str] = "good"
        outputs: ClassVar[dict] = {"x": "min"}

        def compute(self, *, fake, dataset, real):
            return {"x": 0.0}

    check("metrics", Good)
    bad = dataclasses.dataclass(frozen=True)(
        type("Bad", (Good,), {"compute": lambda self, real, fake, dataset: {"x": 0.0}})
    )
    with pytest.raises(Refused, match=r"compute\(self, real, fake, dataset\) does not match the expected"):
        check("metrics", bad)


def test_a_component_must_be_a_named_dataclass_of_its_kind_with_its_methods():
    class NotDataclass(ganbench.Penalty):
        name: ClassVar[str] = "p"

        def __call__(self, critic, real, fake, draws):
            return real.sum()

    with pytest.raises(Refused, match=r"decorate it with @dataclasses.dataclass\(frozen=True\)"):
        check("penalties", NotDataclass)
    with pytest.raises(Refused, match=r"a penalty must be a subclass of ganbench\.Penalty"):
        check("penalties", ganbench.Metric)

    @dataclasses.dataclass(frozen=True)
    class NoLoss(ganbench.Objective):
        name: ClassVar[str] = "no-loss"

    with pytest.raises(Refused, match=r"it does not define critic_loss\(self, real, fake\)"):
        check("objectives", NoLoss)


def test_a_metric_declares_valid_directions_and_coverage():
    @dataclasses.dataclass(frozen=True)
    class Sideways(ganbench.Metric):
        name: ClassVar[str] = "sideways"
        outputs: ClassVar[dict] = {"x": "up"}

        def compute(self, *, real, fake, dataset):
            return {"x": 0.0}

    with pytest.raises(Refused, match=r"outputs\['x'\] = 'up': each direction is 'max'"):
        check("metrics", Sideways)
    bad_text = dataclasses.dataclass(frozen=True)(
        type(
            "BadText",
            (Sideways,),
            {"outputs": {"x": "max", "n": ""}, "coverage": ganbench.Coverage("x", "n", text="{covred}")},
        )
    )
    with pytest.raises(Refused, match=r"coverage.text '\{covred\}' is not a template"):
        check("metrics", bad_text)


def test_the_vectorised_penalty_signature_is_accepted_beside_the_base_classes():
    @dataclasses.dataclass(frozen=True)
    class Vectorised(ganbench.Penalty):
        name: ClassVar[str] = "v"

        def __call__(self, critic, real, fake, draws):
            return real.sum()

    check("penalties", Vectorised)


# ---- an objective writes estimate exactly when it names a divergence ----


def _objective(**attrs):
    def critic_loss(self, real, fake):
        return ganbench.mean(fake) - ganbench.mean(real)

    def generator_loss(self, real, fake):
        return -ganbench.mean(fake)

    body = {"name": "c-obj", "critic_loss": critic_loss, "generator_loss": generator_loss, **attrs}
    return dataclasses.dataclass(frozen=True)(type("CObj", (ganbench.Objective,), body))


def _estimate(self, real, fake):
    return ganbench.mean(real) - ganbench.mean(fake)


def test_an_objective_without_a_divergence_needs_no_estimate():
    check("objectives", _objective(divergence=None))
    check("objectives", _objective(divergence="W1", estimate=_estimate))


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"divergence": "W1"}, r"does not define estimate\(self, real, fake\); an objective with no known divergence"),
        ({"divergence": None, "estimate": _estimate}, "declares divergence = None .* but defines estimate"),
        ({"divergence": 3, "estimate": _estimate}, "divergence must be a str"),
        ({"divergence": None, "critic_range": (1.0, -1.0)}, "critic_range must be None or"),
        ({"divergence": None, "critic_range": (-1.0, float("inf"))}, "critic_range must be None or"),
    ],
    ids=["estimate-missing", "estimate-without-divergence", "divergence-type", "range-reversed", "range-infinite"],
)
def test_divergence_estimate_and_critic_range_declarations_are_checked(attrs, message):
    with pytest.raises(Refused, match=message):
        check("objectives", _objective(**attrs))
