"""A penalty named without a weight gets its paper's weight; a weight without a penalty is an error."""

from __future__ import annotations

import pytest

from ganbench.errors import ConfigError
from ganbench.suite import load_suite

PAPER_WEIGHTS = {"gp": 10.0, "gp-one-sided": 10.0, "r1": 10.0, "r2": 10.0, "dragan": 10.0}


def objectives(registry, tmp_path, body: str):
    suite = tmp_path / "s.toml"
    suite.write_text('[[datasets]]\nname = "ring"\n\n' + body)
    return [t.objective for t in load_suite(suite, registry).trials if t.seed == 0]


@pytest.mark.parametrize(("name", "weight"), sorted(PAPER_WEIGHTS.items()))
def test_a_penalty_without_a_weight_gets_its_papers_weight(registry, tmp_path, name, weight):
    (obj,) = objectives(registry, tmp_path, f'[[objectives]]\nname = "nonsaturating"\npenalty = "{name}"\n')
    assert (obj.hyper.penalty, obj.hyper.penalty_weight) == (name, weight)
    assert registry.get("penalties", name).default_weight == weight


def test_a_weight_given_by_the_suite_or_the_objective_is_kept(registry, tmp_path):
    body = (
        '[[objectives]]\nname = "nonsaturating"\npenalty = "r1"\npenalty_weight = 0.5\n\n'
        '[[objectives]]\nname = "wgan-gp"\npenalty = "r1"\n'  # wgan-gp's own weight (10) stays
    )
    ns, wgan = objectives(registry, tmp_path, body)
    assert (ns.hyper.penalty_weight, wgan.hyper.penalty_weight, wgan.hyper.penalty) == (0.5, 10.0, "r1")


def test_a_weight_without_a_penalty_is_refused_with_its_line(registry, tmp_path):
    with pytest.raises(ConfigError, match=r"s.toml:6: objectives\[0\].penalty_weight: set without a penalty"):
        objectives(registry, tmp_path, '[[objectives]]\nname = "lsgan"\npenalty_weight = 3\n')


def test_ganbench_list_penalties_shows_the_default_weights(run_cli):
    code, out, _ = run_cli("list", "penalties")
    assert code == 0
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines()[2:] if line.strip()}
    assert {name: float(rows[name]) for name in PAPER_WEIGHTS} == PAPER_WEIGHTS
