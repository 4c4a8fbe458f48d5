"""The ``[search]`` table: what it accepts, and every refused case as one ConfigError whose
key and message name the problem; ``apply`` sets a configuration into an objective."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from ganbench.config import Hyper
from ganbench.errors import ConfigError
from ganbench.objectives.ipm import WassersteinGP
from ganbench.objectives.margin import Hinge
from ganbench.search.space import Dimension, apply, configurations, parse_search
from ganbench.trial import ObjectiveSpec
from tests.search.helpers import OBJECTIVES, OUTPUTS, REPORT_SEEDS, TABLE, Knobs, spec, table


def refused(tbl: dict[str, Any], objectives: Any = None, **kwargs: Any) -> ConfigError:
    args = {"report_seeds": REPORT_SEEDS, "outputs": OUTPUTS, "default_output": "wasserstein", **kwargs}
    with pytest.raises(ConfigError) as info:
        parse_search(tbl, OBJECTIVES if objectives is None else objectives, **args)
    message = str(info.value)
    assert info.value.key and message.startswith(f"{info.value.key}"), message
    assert "\n" not in message
    return info.value


def space(**changes: Any) -> dict[str, Any]:
    return table(space={**TABLE["space"], **changes})


def override(label: str, **keys: Any) -> dict[str, Any]:
    return table(objectives={label: keys})


def test_the_example_table_parses_into_each_objectives_space():
    s = spec()
    assert (s.method, s.budget, s.seed, s.output, s.direction, s.at, s.tolerance) == (
        "random",
        9,
        0,
        "wasserstein",
        "min",
        "final",
        0.1,
    )
    keys = {label: [d.key for d in dims] for label, dims in s.spaces.items()}
    assert keys == {
        "hinge": ["lr_g", "betas", "n_critic", "lr_d"],  # no penalty, so no penalty_weight
        "wgan-gp": ["lr_g", "betas", "n_critic", "penalty_weight", "lr_d"],
        "wgan-clip": ["lr_g", "betas", "n_critic", "lr_d"],
        "knobs": ["lr_g", "betas", "n_critic", "penalty_weight", "lr_d"],
    }
    n_critic = s.spaces["wgan-gp"][2]
    assert n_critic == Dimension("n_critic", "uniform", 1, 10, integer=True)
    assert s.spaces["hinge"][1].choices == ((0.5, 0.999), (0.0, 0.9))
    rule = s.to_json()
    assert rule["seeds"] == [1000] and rule["report_seeds"] == REPORT_SEEDS
    assert rule["spaces"]["hinge"][0] == {
        "key": "lr_g",
        "kind": "log",
        "low": 1e-5,
        "high": 1e-2,
        "integer": False,
        "points": 3,
    }


def test_an_objectives_own_options_are_searched_only_where_it_has_them():
    s = spec(table(space={"lr_g": {"log": [1e-4, 1e-3]}, "margin": {"uniform": [0.5, 2.0]}}))
    assert [d.key for d in s.spaces["knobs"]] == ["lr_g", "margin"]
    assert [d.key for d in s.spaces["hinge"]] == ["lr_g"]


def test_a_searched_penalty_gives_penalty_weight_to_an_objective_without_one():
    s = spec(
        table(space={"penalty": {"choice": ["none", "gp"]}, "penalty_weight": {"log": [1.0, 10.0]}}, objectives={})
    )
    assert [d.key for d in s.spaces["hinge"]] == ["penalty", "penalty_weight"]


def test_select_and_its_direction_come_from_the_metric_declaration():
    s = spec(table(select="modes", at="best", tolerance=0.0))
    assert (s.output, s.direction, s.at, s.tolerance) == ("modes", "max", "best", 0.0)


# (table, the error's key, fragments of its message)
REFUSED = {
    "unknown top key": (table(budgte=3), "search.budgte", ["unknown key", "did you mean 'budget'?"]),
    "unknown method": (table(method="sobl"), "search.method", ["unknown method 'sobl'", "did you mean 'sobol'?"]),
    "budget of 0": (table(budget=0), "search.budget", ["between 1 and"]),
    "no budget": (table(budget=None), "search.budget", ["missing"]),
    "unknown key in the space": (
        space(lr_gen={"log": [1e-4, 1e-2]}),
        "search.space.lr_gen",
        ["unknown hyperparameter or option", "did you mean 'lr_g'?"],
    ),
    "an option of no objective": (
        space(generator={"choice": ["saturating"]}),
        "search.space.generator",
        ["no objective of the suite has it"],
    ),
    "an option the objective lacks": (
        override("hinge", margin={"uniform": [1.0, 2.0]}),
        "search.objectives.hinge.margin",
        ["objective 'hinge' has no hyperparameter or option 'margin'"],
    ),
    "penalty_weight of an objective without a penalty": (
        override("hinge", penalty_weight={"log": [1.0, 10.0]}),
        "search.objectives.hinge.penalty_weight",
        ["objective 'hinge' has no penalty"],
    ),
    "range over a pair": (space(betas={"uniform": [0.5, 0.9]}), "search.space.betas", ["numeric key"]),
    "lr above its max": (space(lr_g={"uniform": [1e-4, 11.0]}), "search.space.lr_g", ["must be <= 10.0, got 11.0"]),
    "lr at its exclusive min": (space(lr_g={"uniform": [0.0, 1e-3]}), "search.space.lr_g", ["must be > 0.0"]),
    "option below its min": (
        override("knobs", depth={"uniform": [0, 4]}),
        "search.objectives.knobs.depth",
        ["must be >= 1, got 0"],
    ),
    "option above its max": (
        override("knobs", margin={"log": [1.0, 6.0]}),
        "search.objectives.knobs.margin",
        ["must be <= 5.0, got 6.0"],
    ),
    "log range touching 0": (space(clip={"log": [0.0, 1.0]}), "search.space.clip", ["log range must stay above 0"]),
    "log range below 0": (space(clip={"log": [-1.0, 1.0]}), "search.space.clip", ["log range must stay above 0"]),
    "low above high": (space(lr_g={"log": [1e-2, 1e-4]}), "search.space.lr_g", ["low 0.01 is above high 0.0001"]),
    "float bound of an integer key": (
        space(n_critic={"uniform": [1, 2.5]}),
        "search.space.n_critic",
        ["expected an integer, got 2.5"],
    ),
    "range not a pair": (space(lr_g={"log": [1e-4]}), "search.space.lr_g", ["takes [low, high]"]),
    "empty choice": (space(n_critic={"choice": []}), "search.space.n_critic", ["non-empty list"]),
    "choice of the wrong type": (
        space(n_critic={"choice": [1, "five"]}),
        "search.space.n_critic",
        ["choice[1]", "expected an integer, got 'five'"],
    ),
    "choice out of bounds": (
        space(n_critic={"choice": [1, 0]}),
        "search.space.n_critic",
        ["choice[1]", "must be >= 1, got 0"],
    ),
    "betas choice out of bounds": (
        space(betas={"choice": [[0.5, 1.0]]}),
        "search.space.betas",
        ["must be <= 0.99999, got 1.0"],
    ),
    "literal choice outside its values": (
        override("knobs", mode={"choice": ["a", "c"]}),
        "search.objectives.knobs.mode",
        ["expected one of 'a', 'b'"],
    ),
    "two kinds": (space(lr_g={"log": [1e-4, 1e-2], "choice": [1e-3]}), "search.space.lr_g", ["exactly one of"]),
    "not a table": (space(lr_g=[1e-4, 1e-2]), "search.space.lr_g", ["expected { uniform"]),
    "unknown kind": (space(lr_g={"loguniform": [1e-4, 1e-2]}), "search.space.lr_g", ["unknown key 'loguniform'"]),
    "points on a choice": (
        space(n_critic={"choice": [1, 2], "points": 3}),
        "search.space.n_critic",
        ["points applies to uniform and log"],
    ),
    "one grid point": (space(lr_g={"log": [1e-4, 1e-2], "points": 1}), "search.space.lr_g", ["points", ">= 2"]),
    "false in the suite-wide space": (space(clip=False), "search.space.clip", ["[search.objectives.<label>]"]),
    "tie to an unsearched key": (
        space(lr_d={"tie": "clip"}),
        "search.space.lr_d",
        ["ties to 'clip', which is not searched for objective 'hinge'"],
    ),
    "tie to a key switched off": (
        override("wgan-gp", lr_g=False),
        "search.space.lr_d",
        ["which is not searched for objective 'wgan-gp'"],
    ),
    "tie cycle": (space(lr_g={"tie": "lr_d"}), "search.space.lr_g", ["cycle", "lr_g -> lr_d -> lr_g"]),
    "tie to itself": (space(lr_d={"tie": "lr_d"}), "search.space.lr_d", ["cycle"]),
    "tie between types": (
        space(lr_d={"tie": "n_critic"}),
        "search.space.lr_d",
        ["ties lr_d (a number) to n_critic (an integer)", "one type"],
    ),
    "tie to a range outside the key's bounds": (
        table(space={"clip": {"log": [0.1, 20.0]}, "lr_d": {"tie": "clip"}}, objectives={}),
        "search.space.lr_d",
        ["ties to 'clip', whose values do not all fit: lr_d: must be <= 10.0, got 20.0"],
    ),
    "grid budget over the grid": (
        table(method="grid", budget=2 * 2 * 3 + 2, objectives={}),
        "search.budget",
        ["objective 'hinge'", "12 points + the defaults = 13"],
    ),
    "select not an output": (table(select="fid"), "search.select", ["'fid' is not an output"]),
    "select without a direction": (table(select="steps_per_s"), "search.select", ["cannot select"]),
    "at neither final nor best": (table(at="last"), "search.at", ["expected one of 'final', 'best'"]),
    "negative tolerance": (table(tolerance=-0.1), "search.tolerance", ["must be >= 0"]),
    "overlapping seeds": (table(seeds=[5, 2, 1]), "search.seeds", ["overlap the report seeds [1, 2]"]),
    "duplicate search seeds": (table(seeds=[1000, 1001, 1000]), "search.seeds", ["duplicate search seeds [1000]"]),
    "zero search seeds": (table(seeds=0), "search.seeds", ["between 1 and 1000"]),
    "unknown objective label": (
        table(objectives={"hnge": {"lr_g": False}}),
        "search.objectives.hnge",
        ["no objective has the label 'hnge'", "did you mean 'hinge'?"],
    ),
    "nothing searched for one objective": (
        table(space={"margin": {"uniform": [1.0, 2.0]}}, objectives={}),
        "search",
        ["nothing is searched for objective 'hinge'"],
    ),
    "per_round of 0": (table(per_round=0), "search.per_round", ["between 1 and"]),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_search_table_is_one_clear_error_naming_its_key(case):
    tbl, key, fragments = REFUSED[case]
    error = refused(tbl)
    assert error.key == key, str(error)
    for fragment in fragments:
        assert fragment in str(error), str(error)


def test_a_key_both_fixed_and_searched_is_refused_with_both_ways_out():
    objectives = [*OBJECTIVES[:3], ("knobs", Knobs, {"name": "knobs", "lr_g": 1e-3})]
    error = refused(TABLE, objectives)
    assert error.key == "search.space.lr_g"
    assert "lr_g is both fixed in objectives[3] ('knobs') and searched" in str(error)
    assert "remove one, or set lr_g = false under [search.objectives.knobs]" in str(error)
    error = refused(
        override("knobs", margin={"uniform": [1.0, 2.0]}),
        [*OBJECTIVES[:3], ("knobs", Knobs, {"name": "knobs", "margin": 1.5})],
    )
    assert error.key == "search.objectives.knobs.margin" and "both fixed" in str(error)
    # the way out the message gives is accepted
    tbl = table(objectives={"knobs": {"lr_g": False, "lr_d": False}})
    assert [d.key for d in spec(tbl, objectives).spaces["knobs"]] == ["betas", "n_critic", "penalty_weight"]


def test_penalty_weight_in_a_suite_without_a_penalty_is_refused():
    unpenalised = [o for o in OBJECTIVES if o[0] in ("hinge", "wgan-clip")]
    error = refused(
        table(space={"lr_g": {"log": [1e-4, 1e-2]}, "penalty_weight": {"log": [1.0, 10.0]}}, objectives={}), unpenalised
    )
    assert error.key == "search.space.penalty_weight"
    assert "no objective of the suite has a penalty" in str(error)


def test_the_report_seeds_as_a_count_overlap_a_listed_search_seed():
    error = refused(table(seeds=[11, 3000]), report_seeds=list(range(12)))
    assert "[11]" in str(error)


def test_select_needs_an_output_when_the_suite_has_no_convergence_distance():
    error = refused(TABLE, default_output="")
    assert error.key == "search.select" and "no convergence distance" in str(error)


def test_optuna_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna raises ImportError
    error = refused(table(method="optuna"))
    assert str(error) == "search.method: 'optuna' needs the optuna extra: pip install 'ganbench[optuna]'"


def test_optuna_with_the_extra_parses():
    pytest.importorskip("optuna")
    assert spec(table(method="optuna")).method == "optuna"


def test_a_grid_budget_of_the_whole_grid_plus_the_defaults_is_accepted():
    s = spec(table(method="grid", budget=3 * 2 * 2 + 1, objectives={}))
    assert len(configurations(s, "hinge", Hinge.default_hyper().params())) == 13


def objective_spec(cls: type, label: str) -> ObjectiveSpec:
    return ObjectiveSpec(cls.name, label, cls().params(), cls.default_hyper())


def test_apply_sets_hyperparameters_and_options_as_typed_validated_values():
    s = spec(table(objectives={"knobs": {"margin": {"uniform": [0.5, 4.0]}, "mode": {"choice": ["a", "b"]}}}))
    configs = configurations(s, "knobs", {**Knobs.default_hyper().params(), **Knobs().params()})
    base = objective_spec(Knobs, "knobs")
    for j, config in enumerate(configs):
        where = f"search.configurations.knobs[{j}]"
        if config["mode"] == "b" and config["margin"] > 2.0:
            with pytest.raises(ConfigError, match=r"mode 'b' needs margin <= 2") as info:
                apply(base, Knobs, config, where)
            assert str(info.value).startswith(where)
            continue
        new = apply(base, Knobs, config, where)
        assert isinstance(new.hyper, Hyper)
        assert new.hyper.lr_g == config["lr_g"] == new.hyper.lr_d
        assert isinstance(config["betas"], list)  # plain JSON, as config.json holds it
        assert new.hyper.betas == tuple(config["betas"]) and isinstance(new.hyper.betas, tuple)
        assert new.hyper.n_critic == config["n_critic"]
        assert new.hyper.penalty_weight == config["penalty_weight"]
        assert new.hyper.penalty == "gp"  # unsearched keys keep the objective's values
        assert new.options == {"margin": config["margin"], "depth": 3, "mode": config["mode"]}
        assert (new.name, new.label) == ("knobs", "knobs")
    assert base.hyper == Knobs.default_hyper()  # the original is unchanged


@pytest.mark.parametrize(
    ("config", "key", "fragment"),
    [
        ({"margin": 0.0}, "where.margin", "must be > 0.0, got 0.0"),
        ({"depth": 21}, "where.depth", "must be <= 20, got 21"),
        ({"lr_g": 11.0}, "where.lr_g", "must be <= 10.0"),
        ({"betas": [0.5]}, "where.betas", "expected a list of 2"),
        ({"widht": 3}, "where.widht", "unknown key 'widht'"),
        ({"mode": "b", "margin": 3.0}, "where", "mode 'b' needs margin <= 2"),
    ],
)
def test_apply_refuses_a_value_the_objective_does_not_accept(config, key, fragment):
    with pytest.raises(ConfigError) as info:
        apply(objective_spec(Knobs, "knobs"), Knobs, config, "where")
    assert info.value.key == key and fragment in str(info.value) and str(info.value).startswith("where")


def test_apply_to_a_built_in_objective():
    new = apply(objective_spec(WassersteinGP, "wgan-gp"), WassersteinGP, {"n_critic": 3, "lr_g": 1e-3}, "w")
    assert (new.hyper.n_critic, new.hyper.lr_g, new.hyper.penalty) == (3, 1e-3, "gp")
