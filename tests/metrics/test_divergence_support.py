"""A divergence that is infinite under a support mismatch is shown as diverging, never averaged.

Data: two modes, N((±4, 0), 0.5² I), equal weights. A generator on the (+4, 0) mode alone misses
half of the data's support: KL(p‖q), Pearson χ² and Jeffrey are then infinite (p/q is unbounded
on the missed mode), while the reverse KL (log 2), Neyman χ² (1) and the bounded divergences
(Jensen-Shannon, total variation 1/2, squared Hellinger) stay finite, since the generator puts
no mass where the data has none. A generator that samples both modes is well matched.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import rel_entr

from ganbench.metrics import divergences
from ganbench.metrics.base import Evaluation
from ganbench.metrics.divergences import CEILINGS, UNCONVERGED, Divergences, ceiling, consistent, key
from ganbench.models.mlp import MLP
from ganbench.plugins import load_plugins
from ganbench.stacking.critics import Check, Verdict
from tests.helpers import fixed_pair


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


INFINITE = ("kl", "pearson", "jeffrey")
FINITE = ("reverse-kl", "neyman", "hellinger", "fgan-js", "tv", "minimax")


def two_modes(n: int, g: torch.Generator, both: bool = True) -> torch.Tensor:
    side = torch.where(torch.rand(n, generator=g) < 0.5, -4.0, 4.0) if both else torch.full((n,), 4.0)
    x = 0.5 * torch.randn(n, 2, generator=g)
    x[:, 0] += side
    return x


def judged(both: bool) -> dict[str, float]:
    g = torch.Generator().manual_seed(0)
    real, fake = two_modes(4000, g), two_modes(4000, g, both=both)
    metric = Divergences(
        objectives=INFINITE + FINITE, max_steps=600, check_every=50, window=2, rising=4, lr=2e-3, reference=False
    )
    metric = metric.resolve(load_plugins(None), "m")
    evaluation = Evaluation(1, True, 5, MLP(width=32, depth=2))
    return metric.compute(real=real, fake=fake, dataset=fixed_pair.Normal(dim=2), evaluation=evaluation)


def test_a_generator_that_misses_a_mode_diverges_under_kl_type_divergences_only():
    values = judged(both=False)
    for name in INFINITE:
        assert values[key(name, "diverging")] == 1.0, (name, values[key(name)])
        assert values[key(name, "converged")] == 0.0, name
    for name in FINITE:
        assert values[key(name, "diverging")] == 0.0, (name, values[key(name)])
    # the finite ones are estimated: reverse KL log 2, TV 1/2, from below
    assert values[key("reverse-kl")] == pytest.approx(math.log(2), abs=0.1)
    assert values[key("tv")] == pytest.approx(0.5, abs=0.05)


def test_a_well_matched_generator_diverges_under_none():
    """Every critic either converged or is still rising (a critic that over-fits the training
    pool a little more at each check, as TV's does here from 0.001 to 0.006): none is diverging,
    and every estimate is near the divergence, 0."""
    values = judged(both=True)
    for name in INFINITE + FINITE:
        assert values[key(name, "diverging")] == 0.0, (name, values[key(name)])
        assert values[key(name, "converged")] + values[key(name, "rising")] == 1.0, name
        assert abs(values[key(name)]) < 0.05, name
    assert sum(values[key(name, "converged")] for name in INFINITE + FINITE) >= len(INFINITE + FINITE) - 1


def test_jeffrey_is_diverging_whenever_kl_or_reverse_kl_is():
    """Jeffrey = KL + reverse KL: a finite, converged jeffrey critic beside a diverging kl or
    reverse-kl critic of the same evaluation is recorded as diverging (and not converged, not
    rising); with neither diverging, or no such critic judged, nothing changes."""
    for term in ("kl", "reverse-kl"):
        values = _flags({"kl": (1, 0, 0), "reverse-kl": (1, 0, 0), "jeffrey": (1, 0, 0)})
        values[key(term, "diverging")], values[key(term, "converged")] = 1.0, 0.0
        consistent(values, ("kl", "reverse-kl", "jeffrey"))
        assert _state(values, "jeffrey") == (0.0, 0.0, 1.0), term
    rising_only = _flags({"kl": (0, 1, 0), "jeffrey": (1, 0, 0)})
    consistent(rising_only, ("kl", "jeffrey"))
    assert _state(rising_only, "jeffrey") == (1.0, 0.0, 0.0)  # a rising KL is a lower bound, not infinite
    alone = _flags({"kl": (0, 0, 1), "tv": (1, 0, 0)})
    consistent(alone, ("kl", "tv"))
    assert _state(alone, "tv") == (1.0, 0.0, 0.0) and key("jeffrey", "diverging") not in alone


def test_the_metric_records_jeffrey_diverging_with_reverse_kl_and_counts_it_unconverged(monkeypatch):
    """The critics' verdicts stood in for: reverse-kl above its ceiling, jeffrey converged at
    a finite value, kl still rising. The record: jeffrey diverging, not converged; kl rising,
    not diverging; the results column counts the three unconverged critics (kl, reverse-kl, jeffrey)."""
    curve = (Check(50, 1.0, 0.1),)
    stand_in = [
        Verdict("kl", 1.0, 0.1, 0.5, False, 2000, curve, above_ceiling=False, still_rising=True),
        Verdict("reverse-kl", 9.0, 0.1, 5.0, False, 300, curve, above_ceiling=True),
        Verdict("jeffrey", 1.5, 0.1, 0.0, True, 400, curve),
        Verdict("tv", 0.2, 0.01, 0.0, True, 400, curve),
    ]
    monkeypatch.setattr(divergences, "judge", lambda *args: stand_in)
    metric = Divergences(objectives=("kl", "reverse-kl", "jeffrey", "tv"), reference=False)
    metric = metric.resolve(load_plugins(None), "m")
    x = torch.zeros(100, 2)
    values = metric.compute(real=x, fake=x, dataset=fixed_pair.Normal(dim=2), evaluation=Evaluation(1, True, 5, None))
    assert _state(values, "jeffrey") == (0.0, 0.0, 1.0) and values[key("jeffrey")] == 1.5
    assert _state(values, "reverse-kl") == (0.0, 0.0, 1.0)
    assert _state(values, "kl") == (0.0, 1.0, 0.0) and _state(values, "tv") == (1.0, 0.0, 0.0)
    assert values[UNCONVERGED] == 3.0


def _flags(states: dict[str, tuple[int, int, int]]) -> dict[str, float]:
    """(converged, rising, diverging) per objective, as the metric records them."""
    out = {}
    for name, flags in states.items():
        for field, flag in zip(("converged", "rising", "diverging"), flags, strict=True):
            out[key(name, field)] = float(flag)
    return out


def _state(values: dict[str, float], name: str) -> tuple[float, float, float]:
    return values[key(name, "converged")], values[key(name, "rising")], values[key(name, "diverging")]


def test_each_ceiling_bounds_its_divergence_when_the_density_ratio_is_bounded():
    """Discrete pairs p, q whose ratio p/q lies in [1/r, r] (r = 50), divergences computed by
    scipy's rel_entr and by their definitions: none exceeds its ceiling, and the pair with the
    ratio at its extremes reaches at least 85% of each (log r, r - 1, 2 log r)."""
    r = 50.0
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(200):
        q = rng.dirichlet(np.ones(4))
        p = q * np.exp(rng.uniform(-math.log(r), math.log(r), 4))
        p /= p.sum()
        if np.all(p / q <= r) and np.all(p / q >= 1 / r):
            pairs.append((p, q))
    # at the extremes: two points with p/q = r and 1/r, p = (r, 1)/(r + 1), q = (1, r)/(r + 1)
    p, q = np.array([r, 1.0]) / (r + 1), np.array([1.0, r]) / (r + 1)
    pairs.append((p, q))
    worst = dict.fromkeys(CEILINGS, 0.0)
    for p, q in pairs:
        kl, rkl = float(rel_entr(p, q).sum()), float(rel_entr(q, p).sum())
        found = {
            "kl": kl,
            "reverse-kl": rkl,
            "pearson": float(((p - q) ** 2 / q).sum()),
            "neyman": float(((p - q) ** 2 / p).sum()),
            "jeffrey": kl + rkl,
        }
        for name, value in found.items():
            assert value <= CEILINGS[name](r) + 1e-12, (name, value)
            worst[name] = max(worst[name], value / CEILINGS[name](r))
    for name in CEILINGS:
        assert worst[name] > 0.85, (name, worst[name])
    # the metric's ceiling is at r = the held-out samples per side
    assert ceiling("kl", 5000) == pytest.approx(math.log(5000)) and ceiling("tv", 5000) == math.inf
