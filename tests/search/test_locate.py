"""``locate`` finds the line of a dotted key in a suite file, under dotted table headers too."""

from __future__ import annotations

import pytest

from ganbench.suite import locate

TEXT = """\
name = "tuned"
seeds = 12

[train]
steps = 100

[[datasets]]
name = "ring"

[[objectives]]
name = "hinge"

[[objectives]]
name = "wgan-gp"
lr_g = 1e-4

[search]
method = "sobol"
budget = 16

[search.space]
lr_g = { log = [1e-5, 1e-2] }
lr_d = { tie = "lr_g" }

[search.objectives.wgan-gp]
n_critic = { uniform = [1, 10] }
lr_g = false

[ search . objectives . "hinge" ]
clip = false
"""


def line_of(fragment: str) -> int:
    """The 1-based number of the first line that starts with ``fragment``."""
    lines = TEXT.splitlines()
    return next(i + 1 for i in range(len(lines)) if lines[i].strip().startswith(fragment))


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("search.space.lr_g", "lr_g = { log"),
        ("search.space.lr_d", "lr_d = { tie"),
        ("search.objectives.wgan-gp.n_critic", "n_critic = { uniform"),
        ("search.objectives.wgan-gp.lr_g", "lr_g = false"),
        ("search.objectives.hinge.clip", "clip = false"),
        ("search.objectives.wgan-gp", "[search.objectives.wgan-gp]"),
        ("search.space", "[search.space]"),
        ("search.method", "method ="),
        ("search.budget", "budget ="),
        ("search", "[search]"),
        ("seeds", "seeds ="),
        ("train.steps", "steps ="),
        ("objectives[1].lr_g", "lr_g = 1e-4"),
        ("objectives[1].name", 'name = "wgan-gp"'),
        ("datasets[0].name", 'name = "ring"'),
    ],
)
def test_locate_finds_the_keys_line(key, fragment):
    assert locate(TEXT, key) == line_of(fragment)


def test_a_searched_key_missing_from_its_table_points_at_the_table():
    assert locate(TEXT, "search.space.betas") == line_of("[search.space]")
    assert locate(TEXT, "search.objectives.wgan-gp.clip") == line_of("[search.objectives.wgan-gp]")


def test_a_key_of_a_table_written_inline_is_found_on_its_line():
    text = "[search]\nbudget = 4\nspace = { lr_g = { log = [1e-5, 1e-2] } }\n"
    assert locate(text, "search.space.lr_g") == 3


def test_unknown_keys_have_no_line():
    assert locate(TEXT, "nothing") is None
    assert locate(TEXT, None) is None
