"""The "Published results" section: every verdict and p-value recomputed here, with scipy, from
the trials' own final.json files and the numbers the suite file gives.

A tiny suite (3 seeds, a few steps) runs through the command line. A second suite file with
the same trials then carries the published numbers: some put a published mean next to
ganbench's own (so that the test agrees), some far from it (so that it differs), with a
standard error, a standard deviation, no spread, and no spread on either side. A third
objective diverges on every seed (the test plugin "explodes"): its row is not tested."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from scipy import stats

from ganbench.cli import main
from ganbench.published import parse_published
from ganbench.report.published import budgets
from ganbench.report.statistics import published as st
from tests.helpers.plugins import BAD_OBJECTIVES
from tests.helpers.report import md_tables

SUITE = """
name = "pub"
seeds = 3
metrics = ["modes", "wasserstein", "energy"]

[train]
steps = 12
batch_size = 32
eval_every = 6
eval_samples = 200

[model]
name = "mlp"
width = 16
depth = 1

[[datasets]]
name = "ring"

[[objectives]]
name = "nonsaturating"
label = "gan"

[[objectives]]
name = "hinge"

[[objectives]]
name = "explodes"
label = "boom"
"""
HEADERS = ["objective", "budget", "metric", "paper", "spread", "paper n", "ganbench", "ganbench n", "test", "verdict"]


def cli(*args: Any) -> int:
    return main([str(a) for a in args])


def finals(suite_dir: Path, objective: str) -> list[dict[str, Any]]:
    """final.json and config.json of each trial of ``objective``, by seed."""
    out = []
    for config_file in sorted(suite_dir.glob("*/config.json")):
        config = json.loads(config_file.read_text())
        if config["objective"]["label"] == objective:
            final = json.loads((config_file.parent / "final.json").read_text())
            out.append({"seed": config["seed"], "config": config, "final": final})
    return sorted(out, key=lambda t: t["seed"])


def values(suite_dir: Path, objective: str, output: str) -> np.ndarray:
    return np.array(
        [t["final"]["metrics"][output] for t in finals(suite_dir, objective) if t["final"]["status"] == "complete"]
    )


def published_table(ours: dict[str, np.ndarray]) -> str:
    """Published numbers placed against ganbench's own: the gan's wasserstein just above its mean
    (se, agrees), the hinge's far above (sd, differs), the gan's energy (no spread) at its mean."""
    w_gan, w_hinge, e_gan = ours["gan wasserstein"], ours["hinge wasserstein"], ours["gan energy"]
    gan_mean, gan_se = float(w_gan.mean() + w_gan.std(ddof=1) / 4), float(w_gan.std(ddof=1) / 3)
    hinge_mean, hinge_sd = float(w_hinge.mean() + 100 * w_hinge.std(ddof=1) + 1), float(w_hinge.std(ddof=1))
    energy = float(e_gan.mean() + 1e-9)
    return f"""
[published]
source = "A test paper, Table 1"
n = 10
steps = 400000
batch_size = 100
differences = ["the paper updates D and G simultaneously"]

[[published.results]]
dataset = "ring"
objective = "gan"
wasserstein = {{ mean = {gan_mean!r}, se = {gan_se!r} }}
energy = {{ mean = {energy!r} }}
modes_total = {{ mean = 8, sd = 0 }}

[[published.results]]
dataset = "ring"
objective = "hinge"
n = 5
wasserstein = {{ mean = {hinge_mean!r}, sd = {hinge_sd!r} }}
modes_total = {{ mean = 7, sd = 0 }}

[[published.results]]
dataset = "ring"
objective = "boom"
wasserstein = {{ mean = 1.0, sd = 0.1 }}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("published")
    (root / "plugins").mkdir()
    (root / "plugins" / "bad.py").write_text(BAD_OBJECTIVES)
    plugins = ("--plugins-dir", root / "plugins")
    plain = root / "plain.toml"
    plain.write_text(SUITE)
    args = ("--out", root / "results", "--vectorize", "off", "--jobs", "1", *plugins)
    assert cli("run", plain, *args) == 0
    suite_dir = root / "results" / "pub"
    plain_suite_json = json.loads((suite_dir / "suite.json").read_text())
    assert cli("report", suite_dir, "--no-figures", "--out", root / "plain.md", *plugins) == 0
    plain_data = sorted(p.stem for p in (root / "plain-data").iterdir())
    ours = {f"{o} {m}": values(suite_dir, o, m) for o in ("gan", "hinge") for m in ("wasserstein", "energy")}
    with_numbers = root / "pub.toml"
    with_numbers.write_text(SUITE + published_table(ours))
    assert cli("run", with_numbers, *args) == 0  # every trial is finished: only suite.json is rewritten
    assert cli("report", suite_dir, "--no-figures", "--out", root / "report.md", *plugins) == 0
    return {
        "root": root,
        "dir": suite_dir,
        "suite": with_numbers,
        "plugins": plugins,
        "plain_suite_json": plain_suite_json,
        "plain_data": plain_data,
    }


def section(text: str) -> str:
    return text.split("## Published results", 1)[1].split("\n## ", 1)[0]


def rows(text: str) -> dict[tuple[str, str], list[str]]:
    table = md_tables(section(text))[0]
    return {(r[0], r[2]): r for r in table}


def expected(paper: dict[str, float], kind: str, n: int, ours: np.ndarray, alpha: float = 0.05) -> str:
    """The verdict, from scipy's test applied here."""
    if kind:
        sd = paper[kind] * math.sqrt(n) if kind == "se" else paper[kind]
        p = stats.ttest_ind_from_stats(paper["mean"], sd, n, ours.mean(), ours.std(ddof=1), ours.size, equal_var=False)
    else:
        p = stats.ttest_1samp(ours, paper["mean"])
    p = float(p.pvalue)
    word = "agrees" if p >= alpha else "differs"
    return f"{word} (p < 0.001)" if p < 0.001 else f"{word} (p = {p:.3f})"


def test_the_verdicts_are_scipys_on_the_trial_files_and_the_suite_numbers(run):
    import tomllib

    text = (run["root"] / "report.md").read_text()
    found = rows(text)
    table = md_tables(section(text))[0]
    assert len(table) == 6
    published = tomllib.loads(run["suite"].read_text())["published"]
    checked = 0
    for row in published["results"]:
        n = row.get("n", published["n"])
        for output, paper in row.items():
            if output in ("dataset", "objective", "n") or row["objective"] == "boom":
                continue
            ours = values(run["dir"], row["objective"], output)
            assert ours.size == 3
            kind = next((k for k in ("se", "sd") if k in paper), "")
            cells = found[row["objective"], output]
            if ours.std() == 0 and paper.get(kind, 0) == 0:
                assert cells[8] == "exact (no spread on either side)"
                assert cells[9] == ("identical" if ours.mean() == paper["mean"] else "differs")
            else:
                assert cells[9] == expected(paper, kind, n, ours)
                assert cells[8] == ("Welch's t" if kind else "one-sample t (no published spread)")
            assert cells[4] == (kind or "none (ganbench: sd)")
            assert cells[5] == str(n)
            assert cells[7] == "3"
            assert cells[1] == "12 steps, batch 32"
            checked += 1
    assert checked == 5
    verdicts = {k: v[9] for k, v in found.items()}
    # the numbers were placed so that every kind of verdict shows up
    assert verdicts["gan", "wasserstein"].startswith("agrees (p = ")
    assert verdicts["hinge", "wasserstein"].startswith("differs (p ")
    assert verdicts["gan", "modes_total"] == "identical"
    assert verdicts["hinge", "modes_total"] == "differs"


def test_ganbenchs_spread_is_of_the_papers_kind(run):
    found = rows((run["root"] / "report.md").read_text())
    w_gan, w_hinge = values(run["dir"], "gan", "wasserstein"), values(run["dir"], "hinge", "wasserstein")
    se, sd = w_gan.std(ddof=1) / math.sqrt(3), w_hinge.std(ddof=1)
    gan_mean, gan_se = found["gan", "wasserstein"][6].split(" (")[0].split(" ± ")
    hinge_mean, hinge_sd = found["hinge", "wasserstein"][6].split(" (")[0].split(" ± ")
    decimals = len(gan_mean.split(".")[1])
    assert float(gan_mean) == pytest.approx(w_gan.mean(), abs=10**-decimals)
    assert float(gan_se) == pytest.approx(se, abs=10**-decimals)
    assert float(hinge_sd) == pytest.approx(sd, abs=10 ** -len(hinge_mean.split(".")[1]))


def test_a_row_whose_runs_all_diverged_is_not_tested_and_says_why(run):
    text = (run["root"] / "report.md").read_text()
    boom = rows(text)["boom", "wasserstein"]
    assert boom[6] == "–"
    assert boom[7] == "0 (3 diverged left out)"
    assert boom[9] == "not tested: no complete ganbench run"
    assert "a run that diverged or failed has no final metrics, so it is left out of the mean" in section(text)


def test_the_protocol_differences_are_listed(run):
    text = section((run["root"] / "report.md").read_text())
    assert "The paper's numbers: A test paper, Table 1" in text
    assert "- Budget: ganbench 12 steps, batch 32; the paper 400,000 steps, batch 100." in text
    assert "- Model: ganbench's mlp (" in text and "width = 16" in text
    assert "- the paper updates D and G simultaneously" in text
    assert "Budget override" not in text


def test_the_exported_data_holds_the_p_values(run):
    records = json.loads((run["root"] / "report-data" / "published.json").read_text())
    by_key = {(r["objective"], r["output"]): r for r in records}
    ours = values(run["dir"], "hinge", "wasserstein")
    paper = by_key["hinge", "wasserstein"]
    p = stats.ttest_ind_from_stats(
        paper["paper_mean"], paper["paper_spread"], 5, ours.mean(), ours.std(ddof=1), 3, equal_var=False
    ).pvalue
    assert paper["p"] == pytest.approx(float(p), rel=1e-12)


def test_a_suite_without_published_numbers_has_no_section(run):
    assert "published" not in run["plain_suite_json"]
    assert "Published results" not in (run["root"] / "plain.md").read_text()
    assert "published" not in run["plain_data"]


def test_trials_of_two_budgets_are_never_pooled(run, tmp_path):
    """Rerun at --steps 6: with --all-trials the directory holds both budgets; each is a row of its own."""
    args = ("--out", run["root"] / "results", "--vectorize", "off", "--jobs", "1", *run["plugins"])
    assert cli("run", run["suite"], "--steps", "6", *args) == 0
    out = tmp_path / "all.md"
    assert cli("report", run["dir"], "--no-figures", "--all-trials", "--out", out, *run["plugins"]) == 0
    table = md_tables(section(out.read_text()))[0]
    gan_w = [r for r in table if r[0] == "gan" and r[2] == "wasserstein"]
    assert [r[1] for r in gan_w] == ["6 steps, batch 32", "12 steps, batch 32"]
    for r, steps in zip(gan_w, (6, 12), strict=True):
        ours = [
            t["final"]["metrics"]["wasserstein"]
            for t in finals(run["dir"], "gan")
            if t["config"]["train"]["steps"] == steps
        ]
        assert len(ours) == 3
        assert float(r[6].split(" ± ")[0]) == pytest.approx(np.mean(ours), abs=0.01)
    text = section(out.read_text())
    assert "Budget override: these trials ran with ganbench run --steps 6; the suite itself gives 12 steps." in text


# ------------------------------------------------------------------ the test itself, case by case


def test_trials_of_one_label_but_another_pack_are_never_pooled():
    def trial(seed: int, pack: int) -> SimpleNamespace:
        hyper = {"lr_g": 1e-4} | ({"pack": pack} if pack > 1 else {})
        objective = {"name": "nonsaturating", "label": "pacgan", "hyper": hyper}
        train = {"steps": 1000, "batch_size": 100}
        return SimpleNamespace(config={"seed": seed, "objective": objective, "train": train})

    trials = [trial(0, 3), trial(1, 3), trial(0, 4), trial(1, 4)]
    groups = budgets(trials)  # type: ignore[arg-type]
    assert [[t.config["seed"] for t in g] for _, g in groups] == [[0, 1], [0, 1]]
    assert sorted(name for name, _ in groups) == [
        "1,000 steps, batch 100 (pack = 3)",
        "1,000 steps, batch 100 (pack = 4)",
    ]
    assert [name for name, _ in budgets([trial(0, 2), trial(1, 2)])] == ["1,000 steps, batch 100"]  # type: ignore[list-item]


def test_welch_with_a_standard_error_converts_it_by_root_n():
    ours = [1.0, 1.2, 1.1]
    got = st.compare(1.5, 0.1, "se", 10, ours, 0.05)
    want = stats.ttest_ind_from_stats(
        1.5, 0.1 * math.sqrt(10), 10, np.mean(ours), np.std(ours, ddof=1), 3, equal_var=False
    )
    assert got.test == st.WELCH and got.p == pytest.approx(want.pvalue, rel=1e-12)
    sd = st.compare(1.5, 0.1, "sd", 10, ours, 0.05)
    assert sd.p != pytest.approx(got.p)


def test_no_published_spread_is_a_one_sample_test():
    ours = [1.0, 1.2, 1.1, 0.9]
    got = st.compare(1.3, None, "", 10, ours, 0.05)
    assert got.test == st.ONE_SAMPLE and got.p == pytest.approx(stats.ttest_1samp(ours, 1.3).pvalue, rel=1e-12)
    assert got.p < 0.05 and got.verdict == (f"differs (p = {got.p:.3f})" if got.p >= 0.001 else "differs (p < 0.001)")


def test_an_unstated_n_is_kept_and_its_figures_are_tested_one_sample():
    table = {
        "source": "A paper without its number of runs",
        "n": "unstated",
        "results": [{"dataset": "ring", "objective": "gan", "modes_captured": {"mean": 1.0}}],
    }
    published = parse_published(table)
    assert published.rows[0].n is None and published.to_json()["results"][0]["n"] == "unstated"
    assert parse_published(published.to_json()) == published
    got = st.compare(1.0, None, "", None, [1.0, 2.0, 3.0], 0.05)
    assert got.test == st.ONE_SAMPLE and got.p == pytest.approx(stats.ttest_1samp([1.0, 2.0, 3.0], 1.0).pvalue)


def test_both_spreads_zero_is_identical_or_differs_without_a_p_value():
    same = st.compare(8.0, 0.0, "se", 10, [8.0, 8.0, 8.0], 0.05)
    assert (same.test, same.verdict, math.isnan(same.p)) == (st.EXACT, "identical", True)
    other = st.compare(7.0, 0.0, "sd", 10, [8.0, 8.0, 8.0], 0.05)
    assert (other.test, other.verdict, math.isnan(other.p)) == (st.EXACT, "differs", True)
    # one side with a spread: an ordinary Welch test
    welch = st.compare(7.0, 0.5, "sd", 10, [8.0, 8.0, 8.0], 0.05)
    assert welch.test == st.WELCH and math.isfinite(welch.p)


def test_the_verdict_follows_alpha():
    ours = [1.0, 1.2, 1.1]
    p = st.compare(1.3, 0.1, "sd", 5, ours, 0.05).p
    assert st.compare(1.3, 0.1, "sd", 5, ours, p / 2).verdict.startswith("agrees")
    assert st.compare(1.3, 0.1, "sd", 5, ours, min(1.0, p * 2)).verdict.startswith("differs")


def test_too_few_runs_are_not_tested():
    assert st.compare(1.0, 0.1, "sd", 5, [1.0], 0.05).verdict == "not tested: one ganbench run has no spread"
    assert st.compare(1.0, 0.1, "sd", 5, [], 0.05).verdict == "not tested: no complete ganbench run"
    assert st.compare(1.0, 0.1, "sd", 1, [1.0, 2.0], 0.05).verdict == "not tested: the paper's n is 1"


def test_suite_json_keeps_the_table_as_the_suite_file_gives_it(run):
    from ganbench.published import published_from_json
    from ganbench.suite import load_suite

    suite = load_suite(run["suite"], ganbench_registry(run["root"] / "plugins"))
    assert suite.published is not None
    stored = json.loads((run["dir"] / "suite.json").read_text())["published"]
    assert published_from_json(stored, "suite.json") == suite.published
    row = suite.published.rows[1]
    assert (row.objective, row.n, row.values["wasserstein"].kind) == ("hinge", 5, "sd")
    assert suite.published.rows[0].n == 10 and suite.published.rows[0].values["energy"].kind == ""


def test_a_malformed_published_record_in_suite_json_is_one_line(run, tmp_path):
    from ganbench.errors import ConfigError
    from ganbench.results.reader import load_suite_results

    copy = tmp_path / "pub"
    copy.mkdir()
    meta = json.loads((run["dir"] / "suite.json").read_text())
    meta["published"]["results"][0]["wasserstein"] = {"mean": 1.0, "se": -1.0}
    (copy / "suite.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match=r"suite.json: published.results\[0\].wasserstein.se: a spread must be >= 0"):
        load_suite_results(copy)


def ganbench_registry(plugins: Path):
    import ganbench

    return ganbench.load_plugins(plugins)


def test_validate_counts_the_published_figures(run, run_cli):
    code, out, err = run_cli("validate", run["suite"], *run["plugins"])
    assert code == 0, err
    assert "  published: 6 figures to compare with, from A test paper, Table 1" in out.splitlines()
