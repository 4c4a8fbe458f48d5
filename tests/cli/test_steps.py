"""``ganbench run SUITE --steps N`` (and ``ganbench.run(..., steps=N)``): every trial trains N
steps, under its own id, and the plan line, suite.json and the report say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ganbench
from ganbench.config import Train
from ganbench.errors import ConfigError
from ganbench.runner.budget import train_with_steps


def configs(suite_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(suite_dir.glob("*/config.json"))]


def test_every_trial_trains_the_given_steps_and_the_report_says_so(run_cli, tiny_suite, tmp_path, registry):
    out = tmp_path / "results"
    code, _, err = run_cli("run", tiny_suite, "--steps", "7", "--out", out, "--vectorize", "off")
    assert code == 0, err
    assert "--steps 7: every trial trains 7 steps (the suite gives 20)" in err.splitlines()[0]
    suite_dir = out / "tiny"
    (config,) = configs(suite_dir)
    assert config["train"]["steps"] == 7
    assert config["train"]["eval_every"] == 7  # the suite's 10, capped
    history = [json.loads(line) for line in next(suite_dir.glob("*/history.jsonl")).read_text().splitlines()]
    assert history[-1]["step"] == 7
    own = ganbench.load_suite(tiny_suite, registry).trials[0]
    assert own.train.steps == 20 and not (suite_dir / own.id).exists()  # its own id, not the suite's trial
    assert json.loads((suite_dir / "suite.json").read_text())["steps_override"] == {"steps": 7, "suite_steps": 20}
    code, _, err = run_cli("report", suite_dir, "--no-figures")
    assert code == 0, err
    text = (suite_dir / "report" / "report.md").read_text()
    assert "These trials ran with ganbench run --steps 7: 7 generator steps each instead of the suite's 20" in text


def test_without_steps_the_suite_json_names_no_override(run_cli, tiny_suite, tmp_path):
    code, _, err = run_cli("run", tiny_suite, "--out", tmp_path, "--vectorize", "off")
    assert code == 0 and "--steps" not in err
    assert "steps_override" not in json.loads((tmp_path / "tiny" / "suite.json").read_text())
    (config,) = configs(tmp_path / "tiny")
    assert config["train"]["steps"] == 20


def test_the_python_api_takes_steps(tiny_suite, tmp_path, registry):
    result = ganbench.run(tiny_suite, out=tmp_path, steps=5, progress=False, vectorize="off", registry=registry)
    (trial,) = result.results().suites[0].trials
    assert trial.config["train"]["steps"] == 5 and trial.status == "complete"
    with pytest.raises(ConfigError, match="steps 0: expected an integer from 1 to 100000000"):
        ganbench.run(tiny_suite, out=tmp_path / "no", steps=0, progress=False, registry=registry)
    assert not (tmp_path / "no").exists()


def test_a_bad_steps_value_is_refused_before_anything_is_written(run_cli, tiny_suite, tmp_path):
    for bad in ("0", "-3", "ten"):
        with pytest.raises(SystemExit) as exit_info:
            run_cli("run", tiny_suite, "--steps", bad, "--out", tmp_path / "r")
        assert exit_info.value.code == 2
    assert not (tmp_path / "r").exists()


def test_the_intervals_are_capped_to_the_steps():
    train = Train(steps=100, eval_every=50, checkpoint_every=30)
    assert train_with_steps(train, 20) == Train(steps=20, eval_every=20, checkpoint_every=20)
    assert train_with_steps(train, 40) == Train(steps=40, eval_every=40, checkpoint_every=30)
    assert train_with_steps(train, 400) == Train(steps=400, eval_every=50, checkpoint_every=30)
    assert train_with_steps(Train(steps=100, checkpoint_every=0), 10).checkpoint_every == 0
