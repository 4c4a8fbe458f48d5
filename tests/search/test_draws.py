"""What the methods draw: each distribution on its own scale (checked against scipy's
distribution), Sobol's balance, the exact grid, the defaults first, ties, reproducibility."""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import stats

from ganbench.objectives.ipm import WassersteinGP
from ganbench.objectives.margin import Hinge
from ganbench.search.methods import label_key, unit_points
from ganbench.search.space import FIRST_SEARCH_SEED, Dimension, configurations, sobol_balance_note
from tests.search.helpers import OBJECTIVES, TABLE, Knobs, one, spec, table

N = 4000  # draws per distribution test
ALPHA = 0.001


def draws(space: dict, key: str, cls: type = Knobs, **changes) -> list:
    s = one(cls.name, cls, space, budget=N + 1, **changes)
    configs = configurations(s, cls.name, {k: None for k in space})
    return [c[key] for c in configs[1:]]


def test_a_uniform_range_is_drawn_uniformly_on_the_linear_scale():
    values = draws({"margin": {"uniform": [0.5, 3.0]}}, "margin")
    assert min(values) >= 0.5 and max(values) <= 3.0
    assert stats.kstest(values, stats.uniform(loc=0.5, scale=2.5).cdf).pvalue > ALPHA
    # the same draws are far from log-uniform: the test can tell the scales apart
    assert stats.kstest(values, stats.loguniform(0.5, 3.0).cdf).pvalue < ALPHA


def test_a_log_range_is_drawn_log_uniformly():
    values = draws({"lr_g": {"log": [1e-5, 1e-2]}}, "lr_g")
    assert min(values) >= 1e-5 and max(values) <= 1e-2
    assert stats.kstest(values, stats.loguniform(1e-5, 1e-2).cdf).pvalue > ALPHA
    assert stats.kstest(values, stats.uniform(loc=1e-5, scale=1e-2 - 1e-5).cdf).pvalue < ALPHA


def _chi_square(values: list, support: list, probabilities: list[float]) -> float:
    counts = [values.count(v) for v in support]
    assert sum(counts) == len(values), "a draw fell outside the support"
    return stats.chisquare(counts, [p * len(values) for p in probabilities]).pvalue


def test_a_uniform_integer_range_makes_every_integer_equally_likely():
    values = draws({"depth": {"uniform": [2, 9]}}, "depth")
    assert all(type(v) is int for v in values)
    support = list(range(2, 10))
    assert _chi_square(values, support, [1 / 8] * 8) > ALPHA


def test_a_log_integer_range_is_the_floor_of_a_log_uniform_draw():
    values = draws({"depth": {"log": [1, 8]}}, "depth")
    support = list(range(1, 9))
    dist = stats.loguniform(1, 9)  # the floor of a draw on [1, 9) is an integer in [1, 8]
    expected = [dist.cdf(k + 1) - dist.cdf(k) for k in support]
    assert _chi_square(values, support, expected) > ALPHA
    assert _chi_square(values, support, [1 / 8] * 8) < ALPHA


def test_a_choice_picks_each_value_equally_often():
    values = draws({"betas": {"choice": [[0.5, 0.999], [0.0, 0.9], [0.9, 0.99]]}}, "betas")
    support = [[0.5, 0.999], [0.0, 0.9], [0.9, 0.99]]  # plain JSON values
    assert _chi_square(values, support, [1 / 3] * 3) > ALPHA


@pytest.mark.parametrize("m", [3, 4])
def test_sobol_points_fall_one_in_each_stratum_of_every_dimension(m):
    space = {
        "lr_g": {"log": [1e-5, 1e-1]},
        "margin": {"uniform": [1.0, 3.0]},
        "penalty_weight": {"log": [0.1, 100.0]},
        "lr_d": {"tie": "lr_g"},
    }
    s = one("knobs", Knobs, space, method="sobol", budget=2**m + 1)
    assert sobol_balance_note(s) is None
    units = unit_points(s, "knobs", 3)
    assert units.shape == (2**m, 3)
    for column in units.T:  # before mapping
        assert sorted(np.floor(column * 2**m).astype(int)) == list(range(2**m))
    configs = configurations(s, "knobs", {"lr_g": 1e-4, "margin": 1.0, "penalty_weight": 10.0, "lr_d": 1e-4})[1:]
    position = {  # each value's position in its range on the range's own scale
        "lr_g": lambda v: math.log(v / 1e-5) / math.log(1e-1 / 1e-5),
        "margin": lambda v: (v - 1.0) / 2.0,
        "penalty_weight": lambda v: math.log(v / 0.1) / math.log(100.0 / 0.1),
    }
    for key, where in position.items():
        strata = sorted(math.floor(where(c[key]) * 2**m) for c in configs)
        assert strata == list(range(2**m)), key


def test_sobol_without_a_power_of_two_draws_as_asked_and_says_why_it_loses_balance():
    s = one("knobs", Knobs, {"margin": {"uniform": [1.0, 3.0]}}, method="sobol", budget=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        configs = configurations(s, "knobs", {"margin": 1.0})
    assert len(configs) == 7
    note = sobol_balance_note(s)
    assert note is not None and "power of two" in note
    assert sobol_balance_note(one("knobs", Knobs, {"margin": {"uniform": [1.0, 3.0]}}, budget=7)) is None


def test_the_grid_is_the_exact_product_of_the_dimensions_grids():
    space = {
        "lr_g": {"log": [1e-4, 1e-2], "points": 3},
        "lr_d": {"tie": "lr_g"},
        "n_critic": {"choice": [1, 5]},
        "depth": {"uniform": [1, 3], "points": 5},  # 1, 1.5, 2, 2.5, 3 rounded: 1, 2, 3
    }
    s = one("knobs", Knobs, space, method="grid", budget=3 * 2 * 3 + 1)
    defaults = {"lr_g": 2e-4, "lr_d": 3e-4, "n_critic": 2, "depth": 3}
    configs = configurations(s, "knobs", defaults)
    assert configs[0] == defaults
    expected = [
        {"lr_g": lr, "n_critic": n, "depth": d, "lr_d": lr}
        for lr, n, d in itertools.product([1e-4, 1e-3, 1e-2], [1, 5], [1, 2, 3])
    ]
    assert len(configs) - 1 == len(expected)
    for got, want in zip(configs[1:], expected, strict=True):
        assert got.keys() == want.keys()
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-12)


def test_a_grid_smaller_than_the_product_is_a_seeded_subset_in_grid_order():
    space = {"n_critic": {"choice": [1, 2, 3, 4]}, "depth": {"choice": [1, 2, 3]}}
    product = [{"n_critic": n, "depth": d} for n, d in itertools.product([1, 2, 3, 4], [1, 2, 3])]
    picks = [
        configurations(
            one("knobs", Knobs, space, method="grid", budget=6, seed=seed), "knobs", {"n_critic": 2, "depth": 3}
        )[1:]
        for seed in range(4)
    ]
    for pick in picks:
        indices = [product.index(c) for c in pick]
        assert len(set(indices)) == 5 and indices == sorted(indices)
    assert (
        picks[0]
        == configurations(one("knobs", Knobs, space, method="grid", budget=6), "knobs", {"n_critic": 2, "depth": 3})[1:]
    )
    assert len({tuple(map(str, p)) for p in picks}) > 1


@pytest.mark.parametrize("method", ["random", "sobol", "grid"])
def test_configuration_0_is_the_defaults_and_ties_hold_in_every_other(method):
    s = spec(table(method=method, budget=5))
    for label, cls, _ in OBJECTIVES:
        defaults = cls.default_hyper().params()
        configs = configurations(s, label, defaults)
        assert len(configs) == 5
        keys = [d.key for d in s.spaces[label]]
        assert configs[0] == {k: defaults[k] for k in keys}
        assert configs[0]["lr_d"] == defaults["lr_d"]  # as the defaults have it, not tied
        assert json.loads(json.dumps(configs)) == configs  # plain JSON data
        for c in configs[1:]:
            assert list(c) == keys
            assert c["lr_d"] == c["lr_g"]
            assert c != configs[0]


def test_a_chain_of_ties_holds():
    space = {"lr_d": {"tie": "lr_g"}, "lr_g": {"tie": "clip"}, "clip": {"log": [1e-3, 1e-1]}}
    s = one("hinge", Hinge, space)
    assert [d.key for d in s.spaces["hinge"]] == ["clip", "lr_g", "lr_d"]
    for c in configurations(s, "hinge", Hinge.default_hyper().params())[1:]:
        assert c["lr_d"] == c["lr_g"] == c["clip"]


def test_the_same_spec_gives_the_same_configurations_and_another_seed_others():
    defaults = WassersteinGP.default_hyper().params()
    for method in ("random", "sobol", "grid"):
        first = configurations(spec(table(method=method)), "wgan-gp", defaults)
        assert first == configurations(spec(table(method=method)), "wgan-gp", defaults)
        assert first[1:] != configurations(spec(table(method=method, seed=1)), "wgan-gp", defaults)[1:]


def test_another_objective_in_the_suite_changes_no_objectives_draws():
    alone = spec(TABLE, [o for o in OBJECTIVES if o[0] == "wgan-gp"])
    reordered = spec(TABLE, list(reversed(OBJECTIVES)))
    defaults = WassersteinGP.default_hyper().params()
    for method in ("random", "sobol", "grid"):
        want = configurations(spec(table(method=method)), "wgan-gp", defaults)
        for s in (alone, reordered):
            s2 = type(s)(**{**s.__dict__, "method": method})
            assert configurations(s2, "wgan-gp", defaults) == want
    # two objectives with the same space draw differently: the label seeds the draws
    assert configurations(spec(), "hinge", defaults)[1:] != configurations(spec(), "knobs", defaults)[1:]


def test_the_draws_do_not_depend_on_pythons_string_hash():
    code = (
        "from tests.search.helpers import spec; from ganbench.search.space import configurations;"
        "from ganbench.search.methods import label_key;"
        "print(label_key('wgan-gp'), configurations(spec(), 'wgan-gp', {k: 0 for k in "
        "['lr_g','betas','n_critic','penalty_weight','lr_d']})[1])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    here = configurations(spec(), "wgan-gp", {k: 0 for k in ["lr_g", "betas", "n_critic", "penalty_weight", "lr_d"]})
    assert out.strip() == f"{label_key('wgan-gp')} {here[1]}"


def test_search_seeds_count_up_from_the_first_search_seed():
    assert spec(table(seeds=3)).seeds == (FIRST_SEARCH_SEED, FIRST_SEARCH_SEED + 1, FIRST_SEARCH_SEED + 2)
    assert spec(table(seeds=[7, 5])).seeds == (7, 5)
    assert spec().seeds == (FIRST_SEARCH_SEED,)


def test_optuna_gets_no_drawn_configurations():
    s = spec()
    s2 = type(s)(**{**s.__dict__, "method": "optuna"})
    with pytest.raises(ValueError, match="optuna"):
        configurations(s2, "hinge", Hinge.default_hyper().params())


def test_dimensions_map_the_unit_interval_onto_their_range():
    assert Dimension("k", "choice", choices=(1, 2, 3)).from_unit(0.999999) == 3
    assert Dimension("k", "choice", choices=(1, 2, 3)).from_unit(0.0) == 1
    assert Dimension("k", "uniform", 1, 4, integer=True).from_unit(0.25) == 2
    assert Dimension("k", "log", 1e-4, 1e-2).from_unit(0.5) == pytest.approx(1e-3)
    assert Dimension("k", "uniform", 2.0, 4.0).from_unit(0.5) == pytest.approx(3.0)
    assert Dimension("k", "log", 1e-4, 1e-2, points=3).grid() == pytest.approx([1e-4, 1e-3, 1e-2])
    assert Dimension("k", "log", 1e-4, 1e-2, points=3).to_json() == {
        "key": "k",
        "kind": "log",
        "low": 1e-4,
        "high": 1e-2,
        "integer": False,
        "points": 3,
    }
    assert Dimension("k", "tie", tie="j").to_json() == {"key": "k", "kind": "tie", "tie": "j"}
