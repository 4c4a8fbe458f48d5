"""An objective that declares divergence = None trains, records no estimate, and the console
table and the report show "—" with a note where the others show their estimates; the
divergences metric refuses it as a judge (it estimates nothing)."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from ganbench.errors import ConfigError
from ganbench.metrics.divergences import Divergences
from ganbench.plugins import load_plugins
from tests.helpers.project import ROOT

SUITE = """
name = "nodiv"
seeds = 2
metrics = ["energy"]

[train]
steps = 20
batch_size = 32
eval_every = 10
eval_samples = 200

[model]
name = "mlp"
width = 16
depth = 1

[[datasets]]
name = "ring"

[[objectives]]
name = "cauchy-ls"

[[objectives]]
name = "nonsaturating"
"""
NOTE = "— : the objective estimates no divergence (it declares divergence = None), so its critic has no estimate"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from ganbench.cli import main

    root = tmp_path_factory.mktemp("nodiv")
    suite = root / "nodiv.toml"
    suite.write_text(SUITE)
    capture = root / "console.txt"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["run", str(suite), "--plugins-dir", str(ROOT / "plugins"), "--out", str(root / "out"), "--jobs", "1"]
        )
    capture.write_text(out.getvalue())
    assert code == 0
    return root


def test_its_trials_record_no_estimate_and_the_others_do(run):
    finals = {}
    for path in (run / "out" / "nodiv").glob("*/final.json"):
        config = json.loads((path.parent / "config.json").read_text())
        finals.setdefault(config["objective"]["name"], []).append(json.loads(path.read_text()))
    assert {k: len(v) for k, v in finals.items()} == {"cauchy-ls": 2, "nonsaturating": 2}
    assert all(f["status"] == "complete" and "estimate" not in f["metrics"] for f in finals["cauchy-ls"])
    assert all("estimate" in f["metrics"] for f in finals["nonsaturating"])


def test_the_console_table_shows_a_dash_with_the_note(run):
    text = (run / "console.txt").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| objective"))
    column = [c.strip() for c in header.strip("|").split("|")].index("estimate")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    assert [c.strip() for c in rows["cauchy-ls"].strip("|").split("|")][column] == "—"
    assert [c.strip() for c in rows["nonsaturating"].strip("|").split("|")][column] not in ("—", "–", "")
    assert NOTE in text


def test_the_reports_estimate_table_shows_a_dash_with_the_note(run, run_cli):
    out = run / "report.md"
    code, _, err = run_cli("report", run / "out" / "nodiv", "--no-figures", "--out", out)
    assert code == 0, err
    md = out.read_text()
    table = md.split("estimate |\n", 1)[1].split("\n\n", 1)[0]  # the estimate table's rows
    assert re.search(r"^\| cauchy-ls +\| — +\| +— \|$", table, re.M), table
    assert re.search(r"^\| nonsaturating +\| Jensen-Shannon +\| +-?\d", table, re.M), table
    assert NOTE in md


def test_the_divergences_metric_refuses_it_as_a_judge():
    registry = load_plugins(ROOT / "plugins")
    with pytest.raises(ConfigError, match=r"metrics\[0\]\.objectives\[1\]: objective 'cauchy-ls' estimates no"):
        Divergences(objectives=("nonsaturating", "cauchy-ls")).resolve(registry, "metrics[0]")
