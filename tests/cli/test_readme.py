"""The README's examples, executed: a new user can copy them and they work."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from tests.helpers.project import ROOT
from tests.helpers.report import md_tables

README = (ROOT / "README.md").read_text()


def example(kind: str) -> str:
    match = re.search(rf"<!-- example: {kind} -->\s*```\w+\n(.*?)```", README, re.S)
    assert match, f"README has no '{kind}' example"
    return match.group(1)


@pytest.fixture
def plugin_dir(tmp_path):
    code = example("plugin")
    first = code.splitlines()[0]
    assert first.startswith("# plugins/")
    directory = tmp_path / "plugins"
    directory.mkdir()
    (directory / first.removeprefix("# plugins/")).write_text(code)
    return directory


def test_the_plugin_example_registers_an_objective(plugin_dir):
    registry = load_plugins(plugin_dir)
    cls = registry.get("objectives", "softplus-hinge")
    objective = cls(tau=1e-4)
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 0.5])
    hinge = np.mean(np.maximum(0, 1 - real.numpy())) + np.mean(np.maximum(0, 1 + fake.numpy()))
    assert float(objective.critic_loss(real, fake)) == pytest.approx(hinge, abs=1e-3)  # τ → 0 is the hinge


def test_the_suite_example_runs_with_the_plugin(plugin_dir, run_cli, tmp_path):
    suite = tmp_path / "example.toml"
    suite.write_text(example("suite").replace('name = "wgan-gp"', 'name = "softplus-hinge"'))
    code, out, err = run_cli("run", suite, "--out", tmp_path / "results", "--plugins-dir", plugin_dir, "--jobs", "1")
    assert code == 0, err
    assert "## example / ring" in out and "| wgan-gp-fast" in out and "2 ok" in out


def test_the_plugin_example_is_listed_with_its_generator_loss_and_defaults(plugin_dir, run_cli):
    code, out, err = run_cli("list", "objectives", "--plugins-dir", plugin_dir)
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("softplus-hinge "))
    assert "-E D(G(z))" in row and "n_critic=2, lr_g=0.0002, lr_d=0.0002, betas=(0, 0.9)" in row


def test_the_worked_example_is_listed_as_the_readme_says(run_cli, monkeypatch):
    assert "`ganbench list objectives --plugins-dir plugins` from the repository root lists it" in " ".join(
        README.split()
    )
    monkeypatch.chdir(ROOT)
    code, out, _ = run_cli("list", "objectives", "--plugins-dir", "plugins")
    assert code == 0 and any(line.startswith("lsgan-symmetric ") for line in out.splitlines())
    code, out, _ = run_cli("list", "objectives")
    assert code == 0 and "lsgan-symmetric" not in out  # only when asked


def test_the_suite_example_as_written_is_valid(run_cli, tmp_path):
    suite = tmp_path / "example.toml"
    suite.write_text(example("suite"))
    code, out, _ = run_cli("validate", suite)
    assert code == 0 and "4 trials" in out


def test_the_main_job_named_in_the_readme_is_a_valid_suite(run_cli):
    assert "ganbench run suites/mixtures.toml" in README
    code, out, _ = run_cli("validate", ROOT / "suites" / "mixtures.toml")
    assert code == 0 and "2 datasets × 5 objectives × 3 seeds" in out


def test_the_commands_section_matches_the_parser():
    from ganbench.cli import build_parser

    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    block = README.split("## Commands", 1)[1].split("```")[1]
    documented = set(re.findall(r"^ganbench (\w+)", block, re.M))
    assert commands == documented


def test_the_worked_example_in_plugins_is_exact_at_its_optimal_critic():
    """plugins/lsgan_symmetric.py: at D* = (p-q)/(p+q) its estimate is Σ(p-q)²/(p+q)."""
    registry = load_plugins(ROOT / "plugins")
    objective = registry.get("objectives", "lsgan-symmetric")()
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.25, 0.65])
    d = (p - q) / (p + q)
    real = torch.tensor(np.repeat(d, (p * 1000).astype(int)))
    fake = torch.tensor(np.repeat(d, (q * 1000).astype(int)))
    assert float(objective.estimate(real, fake)) == pytest.approx(((p - q) ** 2 / (p + q)).sum(), rel=1e-9)


def test_the_report_examples_run(tmp_path, run_cli, monkeypatch):
    """The Reports section's commands, on copies of the report fixture named as in the README
    (figures left out here: tests/report/test_report.py draws them)."""
    import shlex

    from tests.helpers.report import copy_fixture

    copy_fixture(tmp_path / "results", "mixtures")
    copy_fixture(tmp_path / "results", "mixtures-new")
    monkeypatch.chdir(tmp_path)
    commands = [line.split("#")[0].split() for line in example("report").splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["ganbench", "report"]] * 3 + [["ganbench", "compare"]]
    for command in commands:
        extra = ["--no-figures"] if command[1] == "report" else []
        code, out, err = run_cli(*shlex.split(" ".join(command[1:])), *extra)
        assert code == 0, err
    assert (tmp_path / "mixtures.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "results" / "mixtures" / "report" / "report.md").is_file()
    assert {p.name for p in (tmp_path / "paper").iterdir()} >= {"report.md", "report.html", "report.tex", "data"}
    assert "quality: no significant difference" in out


def test_the_per_dataset_metrics_example_applies_what_it_says(registry, tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text(example("dataset-metrics") + '\n[[objectives]]\nname = "hinge"\n')
    loaded = load_suite(suite, registry)
    metrics = {t.dataset.name: [m.name for m in t.metrics] for t in loaded.trials}
    assert metrics == {"ring": ["modes", "energy"], "digits": ["energy", "class-modes", "fd"]}
    assert [(s.dataset, s.metric) for s in loaded.skipped] == [("digits", "modes")]


def test_the_cluster_example_uses_options_ganbench_run_takes_and_the_extra_that_exists():
    import shlex
    import tomllib

    from ganbench.cli import build_parser

    code = example("cluster")
    runs = [shlex.split(line.split("#")[0]) for line in code.splitlines() if line.startswith("ganbench run ")]
    assert len(runs) == 3
    parser = build_parser()
    parsed = [parser.parse_args(argv[1:]) for argv in runs]
    assert [a.executor for a in parsed] == ["ray"] * 3
    assert [a.ray_address for a in parsed] == ["auto", "HEAD_IP:6379", None]
    assert parsed[1].ray_storage == "driver" and parsed[2].gpus_per_task == 0.25
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert 'pip install "ganbench[ray]"' in code and any(d.startswith("ray") for d in extras["ray"])
    assert any(d.startswith("ray") for d in extras["test"])  # so CI runs the Ray tests


def test_the_divergence_suite_named_in_the_readme_is_valid_and_judges_every_objective_it_trains(run_cli):
    """The README's divergence section runs suites/divergences.toml; it validates, and its
    divergences metric names exactly the objectives the suite trains (the matrix's diagonal)."""
    assert "ganbench run suites/divergences.toml" in README
    code, out, _ = run_cli("validate", ROOT / "suites" / "divergences.toml")
    assert code == 0 and "1 dataset × 13 objectives × 2 seeds" in out
    suite = load_suite(ROOT / "suites" / "divergences.toml", load_plugins(None))
    trained = {t.objective.name for t in suite.trials}
    (judged,) = {tuple(m.params["objectives"]) for t in suite.trials for m in t.metrics if m.name == "divergences"}
    assert set(judged) == trained and len(judged) == 13
    # the budget the README's measured time and convergence counts come from is the suite's
    (settings,) = {
        (m.params["max_steps"], m.params["check_every"], m.params["window"], m.params["rising"])
        for t in suite.trials
        for m in t.metrics
        if m.name == "divergences"
    }
    max_steps, check_every, window, rising = settings
    stated = (
        f"critic checked every {check_every} updates (window {window} checks, rising {rising} checks, "
        f"at most {max_steps:,} updates)"
    )
    assert stated in " ".join(README.split())
    assert f"critics converged within max_steps ({max_steps:,} updates)" in README


def test_the_search_example_tunes_every_objective_a_plugin_s_included_with_the_same_budget(
    plugin_dir, run_cli, tmp_path
):
    """The [search] example appended to the suite example, whose objectives are at their defaults
    (a key both fixed and searched is refused), plus the plugin example's objective: every
    objective gets the budget, the defaults first, the tie and the per-objective range hold,
    and the selection is made, with no other change for the plugin."""
    suite_text = example("suite")
    objectives = suite_text.index("[[objectives]]")
    suite = tmp_path / "example.toml"
    names = ("nonsaturating", "wgan-gp", "softplus-hinge")
    suite.write_text(
        suite_text[:objectives] + "".join(f'[[objectives]]\nname = "{n}"\n\n' for n in names) + example("search")
    )
    code, _out, err = run_cli("run", suite, "--out", tmp_path / "results", "--jobs", "1", "--plugins-dir", plugin_dir)
    assert code == 0, err
    record = json.loads((tmp_path / "results" / "example" / "search.json").read_text())
    assert sorted(record["datasets"]["ring"]) == sorted(names)
    registry = load_plugins(plugin_dir)
    for objective, entry in record["datasets"]["ring"].items():
        configurations = entry["configurations"]
        assert len(configurations) == 5 and entry["selected"] is not None
        assert configurations[0]["hyper"] == registry.get("objectives", objective).default_hyper().resolved()
        for c in configurations[1:]:
            assert c["hyper"]["lr_d"] == c["hyper"]["lr_g"] and 5e-5 <= c["hyper"]["lr_g"] <= 2e-3
            assert c["hyper"]["betas"] in ([0.5, 0.999], [0.0, 0.9])
            if objective == "wgan-gp":
                assert 1.0 <= c["hyper"]["penalty_weight"] <= 100.0
            else:
                assert "penalty_weight" not in c["values"]


def _reproduced_tables() -> list[list[list[str]]]:
    section = README.split("## Reproducing published results", 1)[1].split("\n## ", 1)[0]
    return [t for t in md_tables(section) if t and t[0][0] in ("ring", "grid", "ring (r = 2, σ = 0.02)")]


def _figure(cell: str) -> dict[str, float]:
    """'6.3 ± 0.5' -> {mean, se}; '1' -> {mean}."""
    parts = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", cell.split("✓")[0].split("✗")[0])]
    return {"mean": parts[0]} | ({"se": parts[1]} if len(parts) > 1 else {})


def test_the_reproduced_papers_numbers_in_the_readme_are_the_suites_published_ones(registry):
    """The README's side-by-side tables quote each paper's figure exactly as the suite's
    [published] table holds it (PacGAN: mean ± standard error; VEEGAN: a mean alone)."""
    pacgan, veegan = _reproduced_tables()
    published = load_suite(ROOT / "suites" / "pacgan.toml", registry).published
    assert published is not None and published.steps == 400_000 and published.rows[0].n == 10
    rows = {(r.dataset, r.objective): r.values for r in published.rows}
    assert len(pacgan) == len(rows) == 8
    for dataset, objective, modes, _, hq, _, kl, _ in pacgan:
        values = rows[(dataset, objective)]
        for output, cell in (("modes_captured", modes), ("hq_percent", hq), ("reverse_kl", kl)):
            assert _figure(cell) == {"mean": values[output].mean, values[output].kind: values[output].spread}
    published = load_suite(ROOT / "suites" / "veegan.toml", registry).published
    assert published is not None and all(r.n is None for r in published.rows)
    rows = {r.dataset: r.values for r in published.rows}
    assert [row[0].split(" (")[0] for row in veegan] == list(rows) == ["ring", "grid", "veegan-1200d"]
    for dataset, modes, _, hq, _ in veegan:
        values = rows[dataset.split(" (")[0]]
        assert _figure(modes) == {"mean": values["modes_captured"].mean}
        assert _figure(hq) == {"mean": values["hq_percent"].mean}


def test_the_reproduction_commands_run_suites_that_exist_at_a_budget_below_the_papers(run_cli, registry):
    block = example("reproduce-commands")
    runs = re.findall(r"^ganbench run (\S+) --steps (\d+)", block, re.M)
    reports = re.findall(r"^ganbench report results/(\S+)", block, re.M)
    assert [path for path, _ in runs] == ["suites/pacgan.toml", "suites/veegan.toml"]
    for path, steps in runs:
        code, out, err = run_cli("validate", ROOT / path)
        assert code == 0 and "published:" in out, err
        suite = load_suite(ROOT / path, registry)
        assert int(steps) < suite.trials[0].train.steps
        assert suite.name in reports
