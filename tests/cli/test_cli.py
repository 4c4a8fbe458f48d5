"""The command line end to end, the way a user runs it."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.helpers.project import ROOT, run_subprocess
from tests.helpers.runs import TIMING

QUICK = ROOT / "suites" / "quick.toml"


def histories(suite_dir):
    out = {}
    for trial in sorted(p for p in suite_dir.iterdir() if p.is_dir()):
        rows = [json.loads(line) for line in (trial / "history.jsonl").read_text().splitlines()]
        out[trial.name] = [{k: v for k, v in r.items() if k not in TIMING} for r in rows]
    return out


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """`ganbench run suites/quick.toml` through the installed console script."""
    out = tmp_path_factory.mktemp("quick")
    proc = run_subprocess("run", QUICK, "--out", out, "--jobs", "1")
    return out, proc


def test_quick_suite_runs_and_prints_a_table(quick_run):
    _out, proc = quick_run
    assert proc.returncode == 0, proc.stderr
    assert "## quick / ring" in proc.stdout
    for objective in ("minimax", "nonsaturating", "hinge", "wgan-gp", "lsgan"):
        assert f"| {objective} " in proc.stdout
    assert "modes_captured ↑" in proc.stdout and "wasserstein ↓" in proc.stdout
    assert "[10/10]" in proc.stderr  # plain progress lines when not on a terminal


def test_results_layout(quick_run):
    out, _ = quick_run
    suite_dir = out / "quick"
    trials = sorted(p for p in suite_dir.iterdir() if p.is_dir())
    assert len(trials) == 10
    for trial in trials:
        names = {p.name for p in trial.iterdir()}
        assert {"config.json", "history.jsonl", "final.json", "checkpoint.pt", "samples", "DONE"} <= names
        assert not [n for n in names if n.endswith(".tmp")]
        final = json.loads((trial / "final.json").read_text())
        assert final["status"] == "complete"
        config = json.loads((trial / "config.json").read_text())
        assert config["objective"]["hyper"]["n_critic"] >= 1  # defaults made explicit
        assert [s.name for s in sorted((trial / "samples").iterdir())] == [
            "step_000000000.npy",
            "step_000000030.npy",
            "step_000000060.npy",
        ]
    summary = pd.read_csv(suite_dir / "summary.csv")
    assert len(summary) == 10 and set(summary["status"]) == {"complete"}
    assert {
        "modes_captured",
        "hq_percent",
        "reverse_kl",
        "energy",
        "wasserstein",
        "estimate",
        "steps_per_s",
        "samples_per_s",
        "all_modes_step",
        "stability",
    } <= set(summary.columns)


def test_checkpoints_load_with_weights_only(quick_run):
    import torch

    out, _ = quick_run
    trial = next(p for p in (out / "quick").iterdir() if p.is_dir())
    ck = torch.load(trial / "checkpoint.pt", weights_only=True)
    assert ck["step"] == 60 and "generator" in ck and "opt_d" in ck


def test_a_rerun_skips_every_finished_trial(quick_run, tmp_path):
    out, _ = quick_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = {
        p: p.stat().st_mtime_ns for p in copy.rglob("*") if p.is_file() and p.name not in ("summary.csv", "suite.json")
    }
    proc = run_subprocess("run", QUICK, "--out", copy, "--jobs", "1")
    assert proc.returncode == 0
    assert "skipping 10 finished trials" in proc.stderr
    assert "running 0 trials" in proc.stderr
    assert "## quick / ring" in proc.stdout
    after = {
        p: p.stat().st_mtime_ns for p in copy.rglob("*") if p.is_file() and p.name not in ("summary.csv", "suite.json")
    }
    assert before == after


def test_the_same_seed_gives_identical_histories(quick_run, run_cli, tmp_path):
    out, _ = quick_run
    code, _, _ = run_cli("run", QUICK, "--out", tmp_path, "--jobs", "1")
    assert code == 0
    first, second = histories(out / "quick"), histories(tmp_path / "quick")
    assert first == second
    seeds = {name.split("-s")[-1].split("-")[0] for name in first}
    assert seeds == {"0", "1"}


def test_two_jobs_run_in_a_process_pool_with_the_same_results(quick_run, tmp_path):
    out, _ = quick_run
    proc = run_subprocess("run", QUICK, "--out", tmp_path, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "with 2 jobs" in proc.stderr
    assert histories(out / "quick") == histories(tmp_path / "quick")


def test_validate_reports_the_trial_count(run_cli):
    code, out, _ = run_cli("validate", QUICK)
    assert code == 0
    assert "ok — 10 trials (1 dataset × 5 objectives × 2 seeds)" in out


def test_list_and_plugins(run_cli):
    code, out, _ = run_cli("list", "objectives", "--format", "md")
    assert code == 0
    assert "| objective" in out and "| wgan-gp" in out and "Gulrajani" in out
    code, out, _ = run_cli("list", "datasets")
    assert code == 0 and "ring" in out and "radius=2.0" in out
    code, out, _ = run_cli("plugins")
    assert code == 0
    assert "ganbench.objectives.margin" in out and "built-in" in out and "objectives: hinge, lsgan" in out


def test_unavailable_device_is_a_clear_error(run_cli, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, _, err = run_cli("run", QUICK, "--device", "cuda", "--out", tmp_path / "r")
    assert code == 2 and "--device cuda: CUDA is not available" in err
    assert not (tmp_path / "r").exists()


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise(monkeypatch, capsys):
    import io

    from ganbench.runner.progress import ConsoleProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    bar = ConsoleProgress()
    bar.start(2)
    bar.step("ring/hinge/seed 0: complete")
    bar.close()
    assert "1/2" in term.getvalue() and "trial" in term.getvalue() and "\r" in term.getvalue()

    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    lines = ConsoleProgress()
    lines.start(2)
    lines.step("ring/hinge/seed 0: complete")
    assert plain.getvalue() == "[1/2] ring/hinge/seed 0: complete\n"


@pytest.mark.parametrize(
    ("device", "jobs", "cpus_per_task", "expected"),
    [
        ("cpu", 1, None, 1),  # on the CPU the metrics run in line: every core already trains
        ("cuda", 1, None, 15),  # one job: every CPU but the one that feeds the device
        ("cuda", 2, None, 7),  # two jobs share the 16 CPUs
        ("cuda", 32, None, 1),  # never fewer than one
        ("cuda", 1, 4.0, 3),  # an executor that reserves 4 CPUs per task (Ray's --cpus-per-task)
        ("cuda", 1, 1.0, 1),
    ],
)
def test_metric_threads_take_a_jobs_share_of_the_cpus(monkeypatch, device, jobs, cpus_per_task, expected):
    from ganbench.runner import sizing

    monkeypatch.setattr(sizing, "cores", lambda: 16)
    assert sizing.metric_threads(device, jobs, cpus_per_task) == expected
