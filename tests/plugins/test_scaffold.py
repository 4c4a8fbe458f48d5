"""`ganbench new KIND NAME`: each kind's starting point works unchanged, as a plugin file and as
a package whose own test (ganbench's contract kit) passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ganbench import testing
from ganbench.kinds import SCAFFOLDED as KINDS
from ganbench.plugins import load_plugins
from ganbench.providers import file_provider
from ganbench.scaffold import Names
from tests.helpers.project import ROOT

CHECKS = {
    "objective": testing.check_objective,
    "dataset": testing.check_dataset,
    "metric": testing.check_metric,
    "model": testing.check_model,
    "penalty": testing.check_penalty,
    "logger": testing.check_logger,
}

SUITE = """
name = "scaffolded"
seeds = 1
metrics = ["my-metric", "modes"]
log = ["my-logger"]

[train]
steps = 20
batch_size = 32
eval_every = 10
eval_samples = 200

[model]
name = "my-model"

[[datasets]]
name = "my-dataset"

[[objectives]]
name = "my-objective"
penalty = "my-penalty"
penalty_weight = 1.0
"""


@pytest.fixture(scope="module")
def plugin_files(tmp_path_factory):
    """One plugin file of each kind, written by `ganbench new KIND my-KIND` in an empty directory."""
    from ganbench.cli import main

    work = tmp_path_factory.mktemp("new")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        for kind in KINDS:
            assert main(["new", kind, f"my-{kind}"]) == 0
    finally:
        os.chdir(cwd)
    return work / "plugins"


def test_every_kind_has_a_template():
    assert set(KINDS) == set(CHECKS) == {"objective", "dataset", "metric", "model", "penalty", "logger"}


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_a_new_plugin_file_registers_cleanly_and_passes_the_kit(plugin_files, kind):
    registry = load_plugins(plugin_files)
    assert registry.problems() == []
    kinds = KINDS[kind].plural
    cls = registry.get(kinds, f"my-{kind}")
    assert registry.provider(kinds, f"my-{kind}") == file_provider(plugin_files / f"my_{kind}.py")
    CHECKS[kind](cls)


def test_a_suite_made_of_new_plugins_runs(plugin_files, run_cli, tmp_path):
    suite = tmp_path / "s.toml"
    suite.write_text(SUITE)
    code, out, err = run_cli("run", suite, "--plugins-dir", plugin_files, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, err
    (final,) = [json.loads(p.read_text()) for p in (tmp_path / "out" / "scaffolded").glob("*/final.json")]
    assert final["status"] == "complete" and final["metrics"]["my_metric"] > 0
    (logged,) = (tmp_path / "out" / "scaffolded" / "my_logger").glob("*.jsonl")  # the new logger's file
    assert [json.loads(line).get("step") for line in logged.read_text().splitlines()] == [0, 10, 20, 20]
    assert "| my-objective | 1 ok" in out


def test_new_says_what_it_wrote_and_what_to_do_next(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("new", "metric", "sliced-w1")
    assert code == 0
    assert out.splitlines() == [
        "wrote plugins/sliced_w1.py: the metric 'sliced-w1'",
        "next:",
        "  ganbench list metrics --plugins-dir plugins  # it is listed, with its options",
        '  ganbench run SUITE --plugins-dir plugins     # a suite using it: metrics = ["sliced-w1"]',
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["objective", "hinge"], "'hinge' is already the name of an objective (ganbench.objectives.margin, built-in)"),
        (["objective", "My_Loss"], "'My_Loss' is not a plugin name"),
        (["objective", "my-loss", "--dir", "taken"], "taken/my_loss.py already exists; nothing written"),
    ],
)
def test_new_refuses_a_taken_name_a_bad_name_and_an_existing_file(run_cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "my_loss.py").write_text("# someone's work\n")
    code, _, err = run_cli("new", *args)
    assert code == 2 and message in err
    assert (tmp_path / "taken" / "my_loss.py").read_text() == "# someone's work\n"
    assert not (tmp_path / "plugins").exists()


def installed(root, names: Names, site):
    """What `pip install -e root` leaves behind, without pip: the source on the path, a dist-info
    with the pyproject's entry points."""
    info = site / f"{names.dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {names.dist}\nVersion: 0.1.0\n")
    pyproject = (root / "pyproject.toml").read_text()
    group = pyproject.split("[project.entry-points.ganbench]\n", 1)[1].split("\n\n", 1)[0]
    entry = next(line for line in group.splitlines() if "=" in line and not line.startswith("#"))
    (info / "entry_points.txt").write_text(f"[ganbench]\n{entry.replace(chr(34), '')}\n")  # TOML quotes off


def test_new_packages_pass_their_own_tests_unchanged(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    roots = []
    made = [(kind, f"my-{kind}", ()) for kind in KINDS] + [("objective", "my-nodiv", ("--no-divergence",))]
    for kind, name, flags in made:
        root = tmp_path / name
        code, out, _ = run_cli("new", kind, name, "--package", root, *flags)
        assert code == 0
        names = Names(kind, name, bool(flags))
        assert out.splitlines()[0] == (
            f"wrote {root}: pyproject.toml, README.md, {names.package}/__init__.py, tests/test_{names.module}.py"
        )
        assert f'{names.module} = "{names.package}"' in (root / "pyproject.toml").read_text()
        installed(root, names, site)
        roots.append(root)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), *map(str, roots), str(ROOT)]),
        "GANBENCH_PLUGINS": ",".join(Names(k, n).module for k, n, _ in made),
    }
    tests = [str(root / "tests") for root in roots]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), *tests],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # two tests per package, three for an objective's (the estimate's checks apart): the one
    # without a divergence skips those, and says why
    assert "15 passed, 1 skipped" in proc.stdout, proc.stdout
    assert "objective 'my-nodiv' declares divergence = None: it estimates no divergence" in proc.stdout


def test_a_new_package_says_to_install_it_with_its_test_extra_which_brings_pytest(run_cli, tmp_path, monkeypatch):
    import tomllib

    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("new", "objective", "my-loss", "--package", "my-loss")
    assert code == 0
    steps = [line.split("#")[0].strip() for line in out.splitlines()[2:]]
    assert steps == ['pip install -e "my-loss[test]"', "pytest my-loss", "ganbench run SUITE"]
    project = tomllib.loads((tmp_path / "my-loss" / "pyproject.toml").read_text())["project"]
    assert any(req.startswith("pytest") for req in project["optional-dependencies"]["test"])
    assert 'pip install -e ".[test]"' in (tmp_path / "my-loss" / "README.md").read_text()


def test_a_new_objective_without_a_divergence_declares_none_and_passes_the_kit(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli("new", "objective", "my-robust", "--no-divergence")
    assert code == 0
    registry = load_plugins(tmp_path / "plugins")
    assert registry.problems() == []
    cls = registry.get("objectives", "my-robust")
    assert cls.divergence is None and not cls.estimates_divergence()
    testing.check_objective(cls)
    with pytest.raises(pytest.skip.Exception, match="declares divergence = None"):
        testing.check_estimate(cls)


def test_no_divergence_is_an_objectives_flag_only(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("new", "metric", "my-metric", "--no-divergence")
    assert code == 2 and "--no-divergence is for an objective, not a metric" in err
    assert not (tmp_path / "plugins").exists()
