"""A search space may search the pack size (PacGAN) like any integer hyperparameter."""

from __future__ import annotations

import textwrap

import pytest

from ganbench.errors import ConfigError
from ganbench.suite import load_suite

SUITE = textwrap.dedent(
    """
    name = "pack-search"
    seeds = 1
    metrics = ["modes"]
    [train]
    steps = 4
    batch_size = 6
    eval_every = 2
    eval_samples = 40
    [model]
    name = "mlp"
    width = 8
    depth = 1
    [[datasets]]
    name = "ring"
    [[objectives]]
    name = "nonsaturating"
    [search]
    method = "grid"
    budget = 3
    select = "modes_captured"
    [search.space]
    pack = {space}
    """
)


def test_a_grid_over_pack_gives_configurations_with_those_pack_sizes(tmp_path, registry):
    path = tmp_path / "s.toml"
    path.write_text(SUITE.format(space="{ choice = [2, 3] }"))
    plan = load_suite(path, registry).search
    assert plan is not None
    configurations = plan.candidates["nonsaturating"]
    assert [c.objective.hyper.pack for c in configurations] == [1, 2, 3]  # configuration 0: the default
    assert [c.values for c in configurations] == [{"pack": 1}, {"pack": 2}, {"pack": 3}]


def test_a_pack_below_1_in_the_space_is_refused_naming_its_key(tmp_path, registry):
    path = tmp_path / "s.toml"
    path.write_text(SUITE.format(space="{ choice = [0, 2] }"))
    with pytest.raises(ConfigError, match=r"search.space.pack.*must be >= 1"):
        load_suite(path, registry)
