"""Local plugin files are code: a directory of them is loaded only when `--plugins-dir` names it,
never because a `./plugins` happens to sit in the current directory, and `ganbench plugins` says
which directory was loaded and why."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.helpers.runs import TINY_SUITE

# A plugin file that leaves a trace when it is executed, and registers an objective.
INTRUDER = textwrap.dedent(
    """
    import dataclasses, pathlib
    from typing import ClassVar
    import ganbench

    pathlib.Path({marker!r}).write_text("executed")

    @dataclasses.dataclass(frozen=True)
    class Local(ganbench.Objective):
        name: ClassVar[str] = "{name}"

        def critic_loss(self, real, fake):
            return ganbench.mean(fake) - ganbench.mean(real)

        def generator_loss(self, real, fake):
            return -ganbench.mean(fake)

        def estimate(self, real, fake):
            return ganbench.mean(real) - ganbench.mean(fake)

    @ganbench.hookimpl
    def register_objectives(register):
        register(Local)
    """
)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A current directory holding someone else's ./plugins and a suite beside it."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "intruder.py").write_text(
        INTRUDER.format(marker=str(tmp_path / "executed"), name="intruder")
    )
    (tmp_path / "tiny.toml").write_text(TINY_SUITE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["list", "objectives", "--format", "md"],
        ["plugins"],
        ["validate", "tiny.toml"],
        ["run", "tiny.toml", "--out", "out", "--jobs", "1"],
        ["report", "no-such-results"],
        ["compare", "no-such-a", "no-such-b"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_no_command_executes_a_plugins_directory_it_was_not_given(workdir, run_cli, command):
    run_cli(*command)
    assert not (workdir / "executed").exists()


def test_plugins_says_that_no_directory_was_loaded_and_how_to_load_one(workdir, run_cli):
    code, out, _ = run_cli("plugins")
    assert code == 0
    assert out.splitlines()[-1] == (
        "plugins directory: none; plugin files load only with --plugins-dir DIR "
        "(./plugins exists here and was not loaded)"
    )
    assert "intruder" not in out


def test_a_suite_naming_an_unloaded_local_objective_says_why(workdir, run_cli):
    (workdir / "uses.toml").write_text('[[datasets]]\nname = "ring"\n\n[[objectives]]\nname = "intruder"\n')
    code, _, err = run_cli("validate", "uses.toml")
    assert code == 2
    assert "unknown objective 'intruder'" in err and "./plugins was not loaded" in err and "--plugins-dir" in err
    assert not (workdir / "executed").exists()


def test_plugins_dir_loads_the_directory_and_plugins_says_so(workdir, run_cli):
    code, out, _ = run_cli("plugins", "--plugins-dir", "plugins")
    assert code == 0 and (workdir / "executed").exists()
    line = next(line for line in out.splitlines() if line.startswith("intruder"))
    assert "file plugins/intruder.py" in line and "objectives: intruder" in line
    assert out.splitlines()[-1] == (
        f"plugins directory: {(workdir / 'plugins').resolve()} (loaded because --plugins-dir plugins was given)"
    )


def test_plugins_reports_the_external_plugin_filter(workdir, run_cli, monkeypatch):
    monkeypatch.setenv("GANBENCH_PLUGINS", "")
    code, out, _ = run_cli("plugins", "--plugins-dir", "plugins")
    assert code == 0 and not (workdir / "executed").exists()
    assert out.splitlines()[-1] == "GANBENCH_PLUGINS=: only these external plugins may load"


def test_workers_load_the_directory_the_parent_loaded_and_no_other(tmp_path, monkeypatch, run_cli):
    """Two jobs: each trial runs in a spawned worker, which must find the objective from the
    directory given relative to the current one, and must not load the current ./plugins
    (which registers the same name: loading both would be a duplicate)."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "local.py").write_text(INTRUDER.format(marker=str(tmp_path / "mine-ran"), name="local"))
    here = tmp_path / "here"
    (here / "plugins").mkdir(parents=True)
    (here / "plugins" / "clash.py").write_text(INTRUDER.format(marker=str(tmp_path / "clash-ran"), name="local"))
    suite = here / "s.toml"
    suite.write_text(TINY_SUITE.replace('name = "nonsaturating"', 'name = "local"').replace("seeds = 1", "seeds = 2"))
    monkeypatch.chdir(here)
    code, _, err = run_cli("run", "s.toml", "--out", "out", "--plugins-dir", "../mine", "--jobs", "2")
    assert code == 0, err
    assert "with 2 jobs" in err
    finals = [json.loads(p.read_text()) for p in (here / "out" / "tiny").glob("*/final.json")]
    assert [f["status"] for f in finals] == ["complete", "complete"]
    assert not (tmp_path / "clash-ran").exists()
