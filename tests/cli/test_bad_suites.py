"""Hostile suite files: exit status 2, one line naming the file and the key, nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "bad_suites"

# file -> fragments the one-line message must contain (the key, and the line where TOML gives one)
EXPECTED = {
    "syntax_error.toml": [":3:", "invalid TOML"],
    "empty.toml": ["datasets: missing"],
    "not_utf8.toml": ["not UTF-8"],
    "binary.toml": ["not UTF-8"],
    "unknown_top_key.toml": [":9:", "extras: unknown key", "choose from: convergence, datasets"],
    "unknown_top_key_typo.toml": [":1:", "seed: unknown key", "did you mean 'seeds'?"],
    "unknown_objective.toml": [":8:", "objectives[0].name", "unknown objective 'hnge'", "did you mean 'hinge'?"],
    "unknown_dataset.toml": [":5:", "datasets[0].name", "unknown dataset 'rign'", "did you mean 'ring'?"],
    "unknown_metric.toml": [":1:", "metrics", "unknown metric 'fid-clip'"],
    "unknown_model.toml": [":10:", "model.name", "unknown model 'resnet-1001'"],
    "unknown_train_key.toml": [":3:", "train: unknown key 'lr'"],
    "unknown_objective_key.toml": [":9:", "objectives[0]: unknown key 'n_critics'", "did you mean 'n_critic'?"],
    "unknown_dataset_param.toml": [":6:", "datasets[0]: unknown key 'radious'", "did you mean 'radius'?"],
    "wrong_type_steps.toml": [":2:", "train.steps: expected an integer, got 'ten'"],
    "wrong_type_seeds.toml": [":1:", "seeds: expected a list of an integer"],
    "wrong_type_betas.toml": [":9:", "objectives[0].betas: expected a list of 2"],
    "wrong_type_datasets.toml": [":1:", "datasets: expected one or more [[datasets]] tables"],
    "float_steps.toml": [":2:", "train.steps: expected an integer, got 10.5"],
    "zero_steps.toml": [":2:", "train.steps: must be >= 1, got 0"],
    "negative_steps.toml": [":2:", "train.steps: must be >= 1, got -5"],
    "huge_steps.toml": [":2:", "train.steps: must be <= 100000000"],
    "zero_batch.toml": [":3:", "train.batch_size: must be >= 1, got 0"],
    "negative_lr.toml": [":9:", "objectives[0].lr_d: must be > 0.0"],
    "zero_seeds.toml": [":1:", "seeds: a seed count must be between 1 and 1000"],
    "huge_seeds.toml": [":1:", "seeds: a seed count must be between 1 and 1000"],
    "negative_seed.toml": [":1:", "seeds: each seed must be in [0, 2^31)"],
    "duplicate_seeds.toml": [":1:", "seeds: duplicate seeds"],
    "duplicate_objective.toml": [":11:", "objectives[1]: objective label 'hinge' is already used"],
    "duplicate_dataset.toml": [":11:", "datasets[1]: dataset label 'ring' is already used"],
    "duplicate_metric.toml": [":1:", "metric 'modes' is listed twice"],
    "duplicate_toml_key.toml": [":3:", "invalid TOML", "Cannot overwrite a value"],
    "escape_name_dotdot.toml": [":1:", "name: '../../etc' must be"],
    "escape_name_absolute.toml": [":1:", "name: '/tmp/evil' must be"],
    "escape_label.toml": [":9:", "objectives[0].label: '../x' must be"],
    "no_datasets.toml": ["datasets: missing"],
    "no_objectives.toml": ["objectives: missing"],
    "missing_name.toml": [":7:", "objectives[0]: missing key 'name'"],
    "unknown_penalty.toml": [":9:", "objectives[0].penalty", "unknown penalty 'r7'"],
    "nan_sigma.toml": [":6:", "datasets[0].sigma: expected a finite number"],
    "negative_sigma.toml": [":6:", "datasets[0].sigma: must be > 0.0"],
    "bool_as_int.toml": [":2:", "train.steps: expected an integer, got True"],
    "metrics_not_list.toml": [":1:", "metrics: expected a list"],
    "unknown_convergence_metric.toml": [":10:", "convergence.distance: 'fid' is not an output"],
    "search_unknown_key.toml": [":13:", "search.space.lr_gen: unknown hyperparameter or option", "'lr_g'"],
    "search_log_touches_zero.toml": [":13:", "search.space.lr_g: a log range must stay above 0"],
    "search_out_of_bounds.toml": [":13:", "search.space.lr_g.uniform[1]: must be <= 10.0, got 20.0"],
    "search_empty_choice.toml": [":13:", "search.space.n_critic: a choice needs a non-empty list"],
    "search_budget_zero.toml": [":10:", "search.budget: must be between 1 and"],
    "search_seeds_overlap.toml": [":11:", "search.seeds: the search seeds overlap the report seeds [1]"],
    "search_fixed_and_searched.toml": [":14:", "lr_g is both fixed in objectives[0]", "lr_g = false"],
    "published_unknown_dataset.toml": [
        ":17:",
        "published.results[0].dataset: 'rign' is not a dataset label of this suite",
        "did you mean 'ring'?",
    ],
    "published_unknown_objective.toml": [
        ":18:",
        "published.results[0].objective: 'hnge' is not an objective label of this suite",
        "did you mean 'hinge'?",
    ],
    "published_unknown_output.toml": [
        ":19:",
        "published.results[0].modes_capturd: unknown metric output",
        "did you mean 'modes_captured'?",
    ],
    "published_output_not_in_suite.toml": [":20:", "published.results[0].modes_captured: unknown metric output"],
    "published_output_not_measured.toml": [":24:", "modes_captured: not measured on dataset 'grid'"],
    "published_missing_n.toml": [":15:", "published.results[0].n: missing; give n", "in [published] or on this row"],
    "published_unknown_spread.toml": [":19:", "published.results[0].modes_captured.ci: unknown spread", "se", "sd"],
    "published_negative_spread.toml": [":19:", "modes_captured.se: a spread must be >= 0, got -0.5"],
    "published_two_spreads.toml": [":19:", "published.results[0].hq_percent: give one spread, se or sd, not both"],
    "published_zero_n.toml": [":14:", "published.n: must be >= 1, got 0"],
    "published_zero_row_n.toml": [":19:", "published.results[0].n: must be >= 1, got 0"],
    "published_unknown_key.toml": [":13:", "published.sources: unknown key", "did you mean 'source'?"],
    "published_unstated_n_with_spread.toml": [
        ":19:",
        'published.results[0].modes_captured: a standard error needs the paper\'s n, but n is "unstated"',
    ],
}


def test_the_corpus_and_the_expectations_agree():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_suite_is_one_clear_line_and_exit_2(run_cli, tmp_path, name, command):
    out_dir = tmp_path / "results"
    path = CORPUS / name
    args = [command, path] + (["--out", out_dir] if command == "run" else [])
    code, _out, err = run_cli(*args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"ganbench: error: {path}")
    for fragment in EXPECTED[name]:
        assert fragment in lines[0]
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_a_missing_suite_file_and_a_missing_plugins_dir(run_cli, tmp_path):
    code, _, err = run_cli("validate", tmp_path / "nope.toml")
    assert code == 2 and "no such suite file" in err
    code, _, err = run_cli("run", "suites/quick.toml", "--plugins-dir", tmp_path / "missing", "--out", tmp_path / "r")
    assert code == 2 and "--plugins-dir" in err and "no such directory" in err
    assert not (tmp_path / "r").exists()


def test_a_bad_suite_through_the_real_command_has_no_traceback(tmp_path):
    from tests.helpers.project import run_subprocess

    proc = run_subprocess("run", CORPUS / "unknown_objective.toml", "--out", tmp_path / "r")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()


def test_the_optuna_method_without_its_extra_is_one_line_that_says_how_to_install_it(run_cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if not installed: import optuna raises ImportError
    suite = tmp_path / "adaptive.toml"
    suite.write_text(
        (CORPUS / "search_budget_zero.toml").read_text().replace("budget = 0", 'method = "optuna"\nbudget = 4')
    )
    code, _out, err = run_cli("run", suite, "--out", tmp_path / "results")
    assert code == 2
    assert err.strip() == (
        f"ganbench: error: {suite}:10: search.method: 'optuna' needs the optuna extra: pip install 'ganbench[optuna]'"
    )
    assert not (tmp_path / "results").exists()
