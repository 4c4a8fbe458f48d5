"""Throughput like with like: after a partial rerun, one objective's trials were trained partly
in a group (as one vectorised program) and partly alone, whose steps per second differ
several-fold. The report says in every throughput cell how its trials were grouped, and shows
the groupings of a mixed cell apart instead of their mean."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

SUITE = """
name = "groups"
seeds = 3
metrics = ["energy"]

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
name = "hinge"
"""


@pytest.fixture(scope="module")
def partial_rerun(tmp_path_factory):
    """A suite run in groups of 3 trials (one per objective), one hinge trial removed and run again (alone)."""
    from ganbench.cli import main

    root = tmp_path_factory.mktemp("groups")
    suite = root / "groups.toml"
    suite.write_text(SUITE)
    assert main(["run", str(suite), "--out", str(root / "results"), "--jobs", "1", "--vectorize", "3"]) == 0
    suite_dir = root / "results" / "groups"
    ids = json.loads((suite_dir / "suite.json").read_text())["trials"]
    configs = {i: json.loads((suite_dir / i / "config.json").read_text()) for i in ids}
    redone = next(i for i in ids if configs[i]["objective"]["label"] == "hinge" and configs[i]["seed"] == 1)
    shutil.rmtree(suite_dir / redone)
    assert main(["run", str(suite), "--out", str(root / "results"), "--jobs", "1"]) == 0
    finals = {i: json.loads((suite_dir / i / "final.json").read_text()) for i in ids}
    return root, suite_dir, configs, finals, redone


def _row(table: str, objective: str) -> dict[str, str]:
    """The cells of ``objective``'s row of the Markdown table ``table`` starts with, by header."""
    header = [c.strip() for c in table.splitlines()[0].split("|")]
    line = next(r for r in table.splitlines() if r.startswith(f"| {objective} "))
    return dict(zip(header, (c.strip() for c in line.split("|")), strict=True))


def test_the_partial_rerun_trained_one_trial_alone(partial_rerun):
    _, _, _, finals, redone = partial_rerun
    sizes = {i: f["environment"]["group_size"] for i, f in finals.items()}
    assert sizes[redone] == 1
    assert {s for i, s in sizes.items() if i != redone} == {3}


def test_every_throughput_cell_says_how_its_trials_were_grouped(partial_rerun, run_cli):
    root, suite_dir, configs, finals, redone = partial_rerun
    code, _, err = run_cli("report", suite_dir, "--no-figures", "--out", root / "r.md")
    assert code == 0, err
    text = (root / "r.md").read_text()
    secondary = text[text.rindex("| objective ", 0, text.index("steps_per_s ↑ |")) :]
    minimax = _row(secondary, "minimax")
    assert minimax["steps_per_s ↑"].endswith("; in groups of 3)")
    assert "trained alone" not in minimax["steps_per_s ↑"]
    hinge = _row(secondary, "hinge")["steps_per_s ↑"]
    grouped = [i for i in configs if configs[i]["objective"]["label"] == "hinge" and i != redone]
    speed = {i: finals[i]["metrics"]["steps_per_s"] for i in finals}
    alone, together = speed[redone], np.mean([speed[i] for i in grouped])
    records = [
        r
        for r in csv.DictReader((root / "r-data" / "summary.csv").open())
        if r["column"] == "steps_per_s" and r["objective"] == "hinge"
    ]
    d = int(records[0]["decimals"])
    # each grouping apart, alone first, never their pooled mean
    assert hinge.startswith(f"{alone:.{d}f} (trained alone); {together:.{d}f} ± ")
    assert "(in groups of 3)" in hinge
    pooled = np.mean([speed[i] for i in [redone, *grouped]])
    assert f"{pooled:.{d}f}" not in hinge
    assert "**" not in _row(secondary, "minimax")["steps_per_s ↑"] + hinge  # unlike groupings: no best marked
    assert {r["grouping"]: int(r["n"]) for r in records} == {"trained alone": 1, "in groups of 3": 2}
    assert float(next(r for r in records if r["grouping"] == "trained alone")["mean"]) == pytest.approx(alone)


def test_the_table_printed_after_a_run_shows_the_groupings_apart_too(partial_rerun):
    from ganbench.report.console import console_tables
    from ganbench.results import load_results

    _, suite_dir, _, _, _ = partial_rerun
    (results,) = load_results(suite_dir)
    table = console_tables(results)["ring"]
    header = [c.strip() for c in table.splitlines()[0].split("|")]
    rows = {
        line.split("|")[1].strip(): dict(zip(header, (c.strip() for c in line.split("|")), strict=True))
        for line in table.splitlines()[2:]
    }
    assert "(trained alone)" in rows["hinge"]["steps_per_s ↑"]
    assert "(in groups of 3)" in rows["hinge"]["steps_per_s ↑"]
    assert "(" not in rows["minimax"]["steps_per_s ↑"]  # one grouping: as before
