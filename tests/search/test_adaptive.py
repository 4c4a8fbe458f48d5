"""The optuna search method: a seeded TPE study in a journal file, asked a round at a time.

The proposals are checked against the space they were drawn from, against a second study given
the same seed and tells, against a study that was killed and resumed, and, for adaptation, against
what a random search scores on the same toy objective."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ganbench.errors import ConfigError
from ganbench.search import adaptive
from ganbench.search.adaptive import AdaptiveSearch, require_optuna
from ganbench.search.space import Dimension
from tests.helpers.project import ROOT

pytest.importorskip("optuna")

BETAS = ([0.5, 0.999], (0.0, 0.9), [0.9, 0.99])
DIMENSIONS = (
    Dimension("lr_g", "log", low=1e-5, high=1e-2),
    Dimension("lr_d", "tie", tie="lr_g"),
    Dimension("betas", "choice", choices=BETAS),
    Dimension("n_critic", "uniform", low=1, high=10, integer=True),
    Dimension("penalty_weight", "uniform", low=0.5, high=20.0),
)
DEFAULTS = {"lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999), "n_critic": 1, "penalty_weight": 10.0, "clip": 0.01}


def search(journal: Path, study: str = "ring/hinge", **kw: Any) -> AdaptiveSearch:
    args: dict[str, Any] = dict(
        dimensions=DIMENSIONS, defaults=DEFAULTS, budget=20, per_round=8, seed=0, direction="min"
    )
    args.update(kw)
    return AdaptiveSearch(journal, study, **args)


def score(values: dict[str, Any]) -> float:
    """A toy selection score: best at lr_g = 1e-3 and betas (0.0, 0.9), independent of the code under test."""
    return abs(math.log10(values["lr_g"]) + 3) + (0.0 if list(values["betas"]) == [0.0, 0.9] else 0.5)


def run(s: AdaptiveSearch, rounds: int) -> list[list[tuple[int, dict[str, Any]]]]:
    """Ask and tell ``rounds`` rounds; index 5 of every round diverges."""
    asked = []
    for r in range(rounds):
        got = s.ask(r)
        asked.append(got)
        for index, values in got:
            s.tell(index, None if index % 8 == 5 else score(values))
    return asked


# --- the extra --------------------------------------------------------------------------------


def test_without_optuna_the_method_is_one_line_naming_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna -> ImportError
    message = "search.method: 'optuna' needs the optuna extra: pip install 'ganbench[optuna]'"
    with pytest.raises(ConfigError) as err:
        require_optuna()
    assert str(err.value) == message and err.value.key == "search.method"
    with pytest.raises(ConfigError, match=r"pip install 'ganbench\[optuna\]'"):
        search(tmp_path / "optuna.journal")
    assert not (tmp_path / "optuna.journal").exists()


def test_with_optuna_installed_nothing_is_raised():
    require_optuna()


# --- the proposals ----------------------------------------------------------------------------


def test_rounds_cover_the_budget_in_order(tmp_path: Path):
    s = search(tmp_path / "j", budget=20, per_round=8)
    assert s.rounds() == 3
    asked = run(s, 3)
    assert [[index for index, _ in got] for got in asked] == [list(range(8)), list(range(8, 16)), list(range(16, 20))]
    with pytest.raises(ValueError, match="no round 3"):
        s.ask(3)


def test_configuration_0_is_the_defaults_and_an_observation_for_tpe(tmp_path: Path):
    s = search(tmp_path / "j")
    index, values = s.ask(0)[0]
    assert index == 0 and values == {
        key: DEFAULTS[key] for key in ("lr_g", "lr_d", "betas", "n_critic", "penalty_weight")
    }
    s.tell(0, 1.5)
    trial = s._study.trials[0]
    assert trial.state.name == "COMPLETE" and trial.value == 1.5
    assert trial.params == {"lr_g": 2e-4, "betas": 0, "n_critic": 1, "penalty_weight": 10.0}


def test_defaults_outside_the_space_are_configuration_0_but_no_observation(tmp_path: Path):
    defaults = {**DEFAULTS, "n_critic": 25, "betas": (0.1, 0.2)}  # outside [1, 10], among no choice
    s = search(tmp_path / "j", defaults=defaults)
    asked = run(s, 2)
    assert asked[0][0] == (0, {key: defaults[key] for key in ("lr_g", "lr_d", "betas", "n_critic", "penalty_weight")})
    trial = s._study.trials[0]
    assert trial.state.name == "FAIL" and trial.params == {}
    s.tell(0, score(defaults))  # the score it was told is kept: telling it again is a no-op
    with pytest.raises(ValueError, match="configuration 0 was told"):
        s.tell(0, 0.0)


def test_values_lie_in_their_ranges_ties_hold_and_choices_come_back_as_given(tmp_path: Path):
    s = search(tmp_path / "j", budget=40)
    asked = [pair for got in run(s, 5) for pair in got]
    drawn = [values for index, values in asked if index > 0]
    assert len(drawn) == 39
    for values in drawn:
        assert 1e-5 <= values["lr_g"] <= 1e-2
        assert values["lr_d"] == values["lr_g"]
        assert any(values["betas"] == c and type(values["betas"]) is type(c) for c in BETAS)
        assert type(values["n_critic"]) is int and 1 <= values["n_critic"] <= 10
        assert 0.5 <= values["penalty_weight"] <= 20.0
    # every choice and both ends of the integer range get drawn in 39 draws (each misses with p < 1e-6)
    assert {json.dumps(list(v["betas"])) for v in drawn} == {json.dumps(list(c)) for c in BETAS}
    assert {1, 10} <= {v["n_critic"] for v in drawn}
    # a returned list is a copy: changing it leaves the space's choices alone
    returned = next(v["betas"] for v in drawn if isinstance(v["betas"], list))
    returned.append(0.0)
    assert BETAS[0] == [0.5, 0.999] and BETAS[2] == [0.9, 0.99]


def test_the_same_seed_and_tells_give_the_same_proposals_and_another_seed_others(tmp_path: Path):
    first = run(search(tmp_path / "a.journal"), 3)
    second = run(search(tmp_path / "b.journal"), 3)
    assert first == second
    other = run(search(tmp_path / "c.journal", seed=1), 3)
    assert other[0][1:] != first[0][1:]


def test_proposals_do_not_depend_on_pythons_string_hashing(tmp_path: Path):
    program = (
        "import json, sys; from pathlib import Path; "
        "from tests.search.test_adaptive import run, search; "
        "print(json.dumps(run(search(Path(sys.argv[1])), 2)))"
    )
    outputs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", program, str(tmp_path / f"{hashseed}.journal")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_asking_again_returns_the_same_configurations(tmp_path: Path):
    s = search(tmp_path / "j")
    assert s.ask(0) == s.ask(0)
    assert len(s._study.trials) == 8


def test_a_round_before_the_previous_one_was_told_is_refused(tmp_path: Path):
    s = search(tmp_path / "j")
    with pytest.raises(ValueError, match=r"round 1 asked before configurations \[0, 1, 2, 3, 4, 5, 6, 7\]"):
        s.ask(1)
    got = s.ask(0)
    for index, values in got[:-1]:
        s.tell(index, score(values))
    with pytest.raises(ValueError, match=r"before configurations \[7\] were told"):
        s.ask(1)


def test_tell_is_idempotent_for_the_same_score_and_refuses_another(tmp_path: Path):
    s = search(tmp_path / "j")
    with pytest.raises(ValueError, match="configuration 0 was never asked"):
        s.tell(0, 1.0)
    s.ask(0)
    s.tell(3, 0.25)
    s.tell(3, 0.25)
    s.tell(4, None)
    s.tell(4, float("nan"))  # NaN is a failure, as None is
    with pytest.raises(ValueError, match=r"configuration 3 was told 0\.25, now 0\.5"):
        s.tell(3, 0.5)
    with pytest.raises(ValueError, match=r"configuration 4 was told None, now 1\.0"):
        s.tell(4, 1.0)
    trials = s._study.trials
    assert (trials[3].state.name, trials[3].value, trials[4].state.name) == ("COMPLETE", 0.25, "FAIL")


# --- the journal ------------------------------------------------------------------------------


def test_a_killed_search_resumes_with_the_same_proposals(tmp_path: Path):
    uninterrupted = run(search(tmp_path / "whole.journal"), 3)

    journal = tmp_path / "killed.journal"
    first = search(journal)
    assert first.ask(0) == uninterrupted[0]
    for index, values in first.ask(0):
        first.tell(index, None if index % 8 == 5 else score(values))
    assert first.ask(1) == uninterrupted[1]
    for index, values in uninterrupted[1][:3]:  # killed after three of round 1 were told
        first.tell(index, score(values))
    del first

    resumed = search(journal)
    assert resumed.ask(1) == uninterrupted[1]
    for index, values in resumed.ask(1):
        resumed.tell(index, None if index % 8 == 5 else score(values))
    assert resumed.ask(2) == uninterrupted[2]


def test_a_kill_in_the_middle_of_drawing_a_round_resumes_with_the_same_proposals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Killed while drawing round 2 (TPE's first modelled round: 14 scores by then), after the
    joint draw of index 17 and one of its parameters were written."""
    uninterrupted = run(search(tmp_path / "whole.journal", budget=28), 4)

    journal = tmp_path / "killed.journal"
    first = search(journal, budget=28)
    assert run(first, 2) == uninterrupted[:2]
    drawn = 0
    suggest = adaptive._suggest

    def killed_at_the_sixth_draw(trial: Any, dim: Dimension) -> Any:
        nonlocal drawn
        drawn += 1
        if drawn == 6:  # the second parameter of index 17 (four parameters a configuration)
            raise KeyboardInterrupt
        return suggest(trial, dim)

    monkeypatch.setattr(adaptive, "_suggest", killed_at_the_sixth_draw)
    with pytest.raises(KeyboardInterrupt):
        first.ask(2)
    monkeypatch.setattr(adaptive, "_suggest", suggest)
    del first

    resumed = search(journal, budget=28)
    assert len(resumed._study.trials) == 18 and len(resumed._study.trials[17].params) == 1  # index 17 half drawn
    assert resumed.ask(2) == uninterrupted[2]
    for index, values in resumed.ask(2):
        resumed.tell(index, None if index % 8 == 5 else score(values))
    assert resumed.ask(3) == uninterrupted[3]


def test_studies_share_one_journal_without_touching_each_other(tmp_path: Path):
    alone = run(search(tmp_path / "alone.journal", study="ring/hinge"), 2)
    shared = tmp_path / "search" / "optuna.journal"
    other = search(shared, study="ring/minimax")
    hinge = search(shared, study="ring/hinge")
    other.ask(0)  # interleaved with the other study's asks and tells
    assert run(hinge, 2) == alone
    assert len(other._study.trials) == 8


def test_a_journal_made_for_another_search_is_refused(tmp_path: Path):
    search(tmp_path / "j").ask(0)
    with pytest.raises(ValueError, match="was made for another search"):
        search(tmp_path / "j", seed=1)


# --- adaptation -------------------------------------------------------------------------------


def test_tpe_adapts_later_rounds_score_better_than_random_draws(tmp_path: Path):
    """On |log10(lr) + 3| with lr log-uniform on [1e-6, 1], a random draw scores 1.5 on average
    (|U(-3, 3)|). Over three seeds, the last two rounds of a 40-configuration search (48 draws)
    average below 1.0: a random search would need to be 4 standard errors (0.87 / sqrt(48) = 0.125)
    lucky, and the first round (at random but for the defaults) does not."""
    dims = (Dimension("lr", "log", low=1e-6, high=1.0), Dimension("n_critic", "uniform", low=1, high=10, integer=True))
    first, last = [], []
    for seed in range(3):
        s = AdaptiveSearch(tmp_path / "j", f"toy/{seed}", dims, {"lr": 0.5, "n_critic": 1}, 40, 8, seed, "min")
        for r in range(s.rounds()):
            got = s.ask(r)
            scores = [abs(math.log10(values["lr"]) + 3) for _, values in got]
            (first if r == 0 else last if r >= 3 else []).extend(scores[1:] if r == 0 else scores)
            for (index, _), value in zip(got, scores, strict=True):
                s.tell(index, value)
    assert len(last) == 48
    assert sum(last) / len(last) < 1.0 < sum(first) / len(first)


def test_maximising_studies_climb_instead(tmp_path: Path):
    """The same toy, maximised: the later rounds move away from lr = 1e-3, above a random draw's 1.5
    on average (a study that minimised instead scores about 0.7 there, as in the test above)."""
    dims = (Dimension("lr", "log", low=1e-6, high=1.0),)
    last = []
    for seed in range(3):
        s = AdaptiveSearch(tmp_path / "j", f"toy/{seed}", dims, {"lr": 1e-3}, 40, 8, seed, "max")
        for r in range(s.rounds()):
            got = s.ask(r)
            for index, values in got:
                value = abs(math.log10(values["lr"]) + 3)
                s.tell(index, value)
                if r >= 3:
                    last.append(value)
        assert s._study.direction.name == "MAXIMIZE"
    assert sum(last) / len(last) > 1.5


def test_a_round_spreads_out_under_the_constant_liar(tmp_path: Path):
    """The eight configurations of a round modelled by TPE (round 2, after 16 scores) are drawn
    before any is told: counting the running ones as the worst score seen keeps them apart. Their
    log10(lr) spreads by about 0.9 (a standard deviation) where eight draws without the liar all
    crowd the best point seen (about 0.15); the mean over three seeds must exceed 0.5."""
    dims = (Dimension("lr", "log", low=1e-6, high=1.0),)
    spreads = []
    for seed in range(3):
        s = AdaptiveSearch(tmp_path / "j", f"toy/{seed}", dims, {"lr": 1e-3}, 24, 8, seed, "min")
        for r in range(3):
            exponents = [math.log10(values["lr"]) for _, values in s.ask(r)]
            for index, exponent in enumerate(exponents, start=8 * r):
                s.tell(index, abs(exponent + 3))
        spreads.append(statistics.pstdev(exponents))
    assert sum(spreads) / len(spreads) > 0.5
