"""A suite run, one objective's option changed, the suite run again: `ganbench report`,
`ganbench compare` and summary.csv read the suite's current trials (those suite.json lists)
and say in one line how many other trials the directory holds; `--all-trials` includes those,
each objective labelled by the setting its trials differ in."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

SUITE = """
name = "stale"
seeds = 3
metrics = ["modes", "energy"]

[train]
steps = 20
batch_size = 32
eval_every = 10
eval_samples = 200
checkpoint_every = 0

[model]
name = "mlp"
width = 16

[[datasets]]
name = "ring"

[[objectives]]
name = "minimax"

[[objectives]]
name = "kl"
{option}
"""


def _finals(suite_dir: Path, ids: list[str]) -> dict[str, dict]:
    return {i: json.loads((suite_dir / i / "final.json").read_text()) for i in ids}


def _config(suite_dir: Path, tid: str) -> dict:
    return json.loads((suite_dir / tid / "config.json").read_text())


def _records(data_dir: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((data_dir / f"{name}.csv").open()))


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    """(results root, the directory after the first run, kept aside): run, change kl's
    ``generator`` option, run again."""
    from ganbench.cli import main

    root = tmp_path_factory.mktemp("stale")
    suite = root / "stale.toml"
    suite.write_text(SUITE.format(option=""))
    assert main(["run", str(suite), "--out", str(root / "results"), "--jobs", "1"]) == 0
    before = root / "before"
    shutil.copytree(root / "results" / "stale", before)
    suite.write_text(SUITE.format(option='generator = "saturating"'))
    assert main(["run", str(suite), "--out", str(root / "results"), "--jobs", "1"]) == 0
    return root, before


def test_the_rerun_trained_only_the_changed_objective(rerun):
    root, before = rerun
    suite_dir = root / "results" / "stale"
    listed = json.loads((suite_dir / "suite.json").read_text())["trials"]
    on_disk = sorted(p.name for p in suite_dir.iterdir() if (p / "config.json").exists())
    old = json.loads((before / "suite.json").read_text())["trials"]
    assert len(listed) == 6 and len(on_disk) == 9
    assert set(on_disk) == set(listed) | set(old)
    stale = sorted(set(old) - set(listed))
    assert len(stale) == 3 and all(_config(suite_dir, t)["objective"]["label"] == "kl" for t in stale)


def test_summary_csv_holds_the_current_trials_only(rerun):
    root, _ = rerun
    suite_dir = root / "results" / "stale"
    listed = json.loads((suite_dir / "suite.json").read_text())["trials"]
    rows = list(csv.DictReader((suite_dir / "summary.csv").open()))
    assert sorted(r["trial"] for r in rows) == sorted(listed)


def test_the_report_reads_the_current_trials_and_says_how_many_others_there_are(rerun, run_cli):
    root, _ = rerun
    suite_dir = root / "results" / "stale"
    listed = json.loads((suite_dir / "suite.json").read_text())["trials"]
    finals = _finals(suite_dir, listed)
    out = root / "current.md"
    code, _, err = run_cli("report", suite_dir, "--no-figures", "--out", out)
    assert code == 0, err
    text = out.read_text()
    line = "the directory also holds 3 trials that suite.json does not list"
    assert line in err and "--all-trials includes them" in err
    assert text.count(line) == 1
    assert "6 trials (1 dataset × 2 objectives × 3 seeds): 6 ok." in text
    # the configuration table: one row per objective; kl's is the current setting
    config_rows = [r for r in text.splitlines() if r.startswith("| kl") or r.startswith("| minimax")]
    assert any("generator = saturating" in r for r in config_rows)
    assert not any("generator = nonsaturating" in r for r in config_rows)
    assert not any("kl (" in r for r in config_rows)
    # every headline value: the current trials' final values, seed by seed
    data = root / "current-data"
    summary = [r for r in _records(data, "summary") if r["role"] == "headline"]
    assert {(r["objective"], r["column"]) for r in summary} == {
        (o, c) for o in ("minimax", "kl") for c in ("modes_captured", "hq_percent", "reverse_kl", "energy")
    }
    for r in summary:
        trials = sorted(
            (t for t in listed if _config(suite_dir, t)["objective"]["label"] == r["objective"]),
            key=lambda t: _config(suite_dir, t)["seed"],
        )
        expected = [float(finals[t]["metrics"][r["column"]]) for t in trials]
        assert int(r["n"]) == 3
        assert json.loads(r["values"]) == pytest.approx(expected)
        assert float(r["mean"]) == pytest.approx(np.mean(expected))
    for objective in ("minimax", "kl"):
        row = next(r for r in text.splitlines() if r.startswith(f"| {objective} ") and " ok " in r + " ")
        assert "| 3 ok " in row
    # ranks and Friedman from the current trials: every seed a block, mean ranks by hand
    ranks = [r for r in _records(data, "ranks") if r["metric"] == "energy"]
    assert {int(r["seeds"]) for r in ranks} == {3}
    by_seed = {}
    for t in listed:
        c = _config(suite_dir, t)
        by_seed.setdefault(c["seed"], {})[c["objective"]["label"]] = finals[t]["metrics"]["energy"]
    objectives = ["minimax", "kl"]
    per_seed = np.array([stats.rankdata([by_seed[s][o] for o in objectives]) for s in sorted(by_seed)])
    assert {r["objective"]: float(r["mean_rank"]) for r in ranks} == pytest.approx(
        dict(zip(objectives, per_seed.mean(axis=0), strict=True))
    )


def test_all_trials_includes_the_others_each_labelled_by_its_setting(rerun, run_cli):
    root, before = rerun
    suite_dir = root / "results" / "stale"
    out = root / "all.md"
    code, _, err = run_cli("report", suite_dir, "--no-figures", "--all-trials", "--out", out)
    assert code == 0, err
    text = out.read_text()
    assert "9 trials (1 dataset × 3 objectives × 3 seeds): 9 ok." in text
    assert "included (--all-trials), told apart by their configuration" in text
    summary = [r for r in _records(root / "all-data", "summary") if r["column"] == "energy"]
    assert sorted(r["objective"] for r in summary) == [
        "kl [generator = nonsaturating]",
        "kl [generator = saturating]",
        "minimax",
    ]
    old = json.loads((before / "suite.json").read_text())["trials"]
    old_kl = sorted((t for t in old if "kl" in t), key=lambda t: _config(suite_dir, t)["seed"])
    row = next(r for r in summary if r["objective"] == "kl [generator = nonsaturating]")
    assert json.loads(row["values"]) == pytest.approx(
        [_finals(suite_dir, old_kl)[t]["metrics"]["energy"] for t in old_kl]
    )


def test_compare_reads_the_current_trials_of_each_side(rerun, run_cli):
    root, before = rerun
    suite_dir = root / "results" / "stale"
    code, out, err = run_cli("compare", before, suite_dir)
    assert code == 0, err
    assert "B: suite 'stale': the directory also holds 3 trials that suite.json does not list" in out
    assert "A: suite" not in out
    assert "kl [" not in out
    code, out, err = run_cli("compare", before, suite_dir, "--all-trials")
    assert code == 0, err
    assert "objective kl [generator = nonsaturating] only in stale" in out
