"""The plugin guide, plugins/README.md, executed: every plugin file it shows registers and keeps its
contract, its test file passes, its suite validates and runs with its commands, its pyproject
snippet names the entry-point group ganbench reads; every hook has a worked example; and the
shell session at its top is the one CI runs (.ci/plugins.sh)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ganbench.kinds import HOOKS
from ganbench.plugins import ENTRY_POINT_GROUP, load_plugins
from tests.helpers.project import ROOT

GUIDE = (ROOT / "plugins" / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", GUIDE, re.S)


def blocks(language: str) -> list[str]:
    return [code for lang, code in BLOCKS if lang == language]


def plugin_files() -> dict[str, str]:
    return {code.splitlines()[0].removeprefix("# "): code for code in blocks("python")}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A directory holding the guide's plugins/, tests/ and guide.toml, as a reader would write them."""
    work = tmp_path_factory.mktemp("guide")
    for name, code in plugin_files().items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(code)
    suite = re.search(r"<!-- example: guide-suite -->\s*```toml\n(.*?)```", GUIDE, re.S)
    assert suite, "the guide has no suite example"
    (work / "guide.toml").write_text(suite.group(1))
    return work


def test_every_code_block_is_run_by_a_test_or_by_ci():
    python, toml, bash = blocks("python"), blocks("toml"), blocks("bash")
    assert len(python) + len(toml) + len(bash) == len(BLOCKS)
    assert all(code.startswith(("# plugins/", "# tests/")) for code in python)
    assert len(toml) == 2 and len(bash) == 2  # the pyproject snippet and the suite; the CI session and the commands


def test_every_hook_has_a_worked_example(workdir):
    headings = re.findall(r"^### .*: `(register_\w+)`$", GUIDE, re.M)
    assert headings == list(HOOKS)
    registry = load_plugins(workdir / "plugins")
    implemented = {kind for info in registry.plugins if info.source.startswith("file ") for kind in info.registered}
    assert {f"register_{kind}" for kind in implemented} == set(HOOKS)


def test_the_guides_plugins_register_cleanly(workdir):
    registry = load_plugins(workdir / "plugins")
    assert registry.problems() == []


def test_the_guides_test_file_passes(workdir):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(workdir), "tests"],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout


def test_the_pyproject_snippet_declares_the_entry_point_group_ganbench_reads():
    snippet = next(code for code in blocks("toml") if "entry-points" in code)
    assert tomllib.loads(snippet)["project"]["entry-points"] == {ENTRY_POINT_GROUP: {"my_loss": "ganbench_my_loss"}}


def test_the_guides_commands_validate_and_run_its_suite(workdir, run_cli, monkeypatch):
    monkeypatch.chdir(workdir)
    validate, run = [shlex.split(line) for line in blocks("bash")[1].strip().splitlines()]
    assert validate[0] == run[0] == "ganbench"
    code, out, err = run_cli(*validate[1:])
    assert code == 0, err
    assert out.splitlines()[1:] == [
        "  skips metric 'modes' on dataset 'two-moons': "
        "dataset 'two-moons' has no discrete modes for the 'modes' metric"
    ]
    code, out, err = run_cli(*run[1:])
    assert code == 0, err
    finals = {
        json.loads(p.with_name("config.json").read_text())["dataset"]["name"]: json.loads(p.read_text())
        for p in (workdir / "results" / "guide").glob("*/final.json")
    }
    assert set(finals) == {"two-moons", "ring"} and all(f["status"] == "complete" for f in finals.values())
    assert "cells_covered" in finals["two-moons"]["metrics"] and "modes_captured" not in finals["two-moons"]["metrics"]
    assert "all_modes_step" in finals["two-moons"]["convergence"]  # from grid-cells' coverage declaration
    assert re.search(r"two-moons/lsgan-abc/seed 0: complete in [\d.]+s cells \d+/\d+", err)


def test_the_ci_runs_the_guides_shell_session():
    session = blocks("bash")[0]
    assert session.splitlines()[0] == "ganbench new objective my-loss --package my-loss"
    script = (ROOT / ".ci" / "plugins.sh").read_text()
    assert "Start from a working plugin" in script  # it extracts and runs this block


def test_the_repositorys_example_plugin_file_keeps_the_contract():
    from ganbench.testing import check_objective

    registry = load_plugins(ROOT / "plugins")
    assert registry.problems() == []
    check_objective(registry.get("objectives", "lsgan-symmetric"))
