"""Faults injected end to end through the CLI: kill -9, Ctrl-C, corrupted checkpoints,
NaN, plugins that raise, two runners on one results directory. Nothing may be lost."""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.plugins import BAD_OBJECTIVES
from tests.helpers.runs import FAULTS_SUITE, kill_point, rerun, snapshot, start, wait_for_checkpoint


def files(suite_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in suite_dir.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the fault suite: what every interrupted run must reproduce."""
    root = tmp_path_factory.mktemp("reference")
    suite = root / "faults.toml"
    # long enough that a signal sent at the first checkpoint lands while trials still train
    suite.write_text(FAULTS_SUITE.format(steps=400))
    proc = rerun(suite, root / "out")
    assert proc.returncode == 0, proc.stderr
    return suite, snapshot(root / "out" / "faults")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_kill_9_then_rerun_loses_nothing_and_matches_an_uninterrupted_run(reference, tmp_path, jobs):
    suite, expected = reference
    out = tmp_path / "out"
    proc = start(suite, out, "--jobs", jobs)
    wait_for_checkpoint(out / "faults", proc, at_least=kill_point(400))
    time.sleep(random.uniform(0.0, 0.2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p.parent for p in (out / "faults").glob("*/DONE")}
    before = {p: b for p, b in files(out / "faults").items() if p.parent in finished}
    assert len(finished) < 4, "the kill came after the run ended; nothing was tested"
    again = rerun(suite, out, jobs)
    assert again.returncode == 0, again.stderr
    if finished:
        assert f"skipping {len(finished)} finished trial" in again.stderr
    after = files(out / "faults")
    assert all(after[p] == b for p, b in before.items()), "a finished trial was touched"
    assert not [p for p in after if p.name.endswith(".tmp")]
    assert snapshot(out / "faults") == expected


def test_ctrl_c_checkpoints_says_how_to_resume_and_exits_130(reference, tmp_path):
    suite, expected = reference
    out = tmp_path / "out"
    proc = start(suite, out, "--jobs", "1")
    wait_for_checkpoint(out / "faults", proc, at_least=kill_point(400))
    time.sleep(random.uniform(0.0, 0.2))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "rerun `ganbench run" in err and "Traceback" not in err
    again = rerun(suite, out)
    assert again.returncode == 0, again.stderr
    assert "resuming from step" in again.stderr
    assert snapshot(out / "faults") == expected


def test_ctrl_c_with_a_process_pool(reference, tmp_path):
    suite, expected = reference
    out = tmp_path / "out"
    proc = start(suite, out, "--jobs", "2")
    wait_for_checkpoint(out / "faults", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    again = rerun(suite, out, "2")
    assert again.returncode == 0, again.stderr
    assert snapshot(out / "faults") == expected


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_checkpoint_restarts_the_trial_with_a_warning(reference, tmp_path, run_cli, damage):
    suite, expected = reference
    out = tmp_path / "out"
    assert run_cli("run", suite, "--out", out, "--jobs", "1")[0] == 0
    victim = sorted((out / "faults").glob("*/checkpoint.pt"))[0]
    (victim.parent / "DONE").unlink()
    (victim.parent / "final.json").unlink()
    data = victim.read_bytes()
    victim.write_bytes({"truncate": data[: len(data) // 2], "garbage": os.urandom(4096), "empty": b""}[damage])
    code, _, err = run_cli("run", suite, "--out", out, "--jobs", "1")
    assert code == 0
    assert f"warning: {victim.parent.name}: checkpoint unreadable" in err
    assert "restarting the trial from scratch" in err
    assert snapshot(out / "faults") == expected


def test_nan_is_a_diverged_result_and_errors_are_contained(tmp_path, run_cli):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "bad.py").write_text(BAD_OBJECTIVES)
    suite = tmp_path / "faults.toml"
    suite.write_text(
        FAULTS_SUITE.format(steps=80) + '\n[[objectives]]\nname = "explodes"\n\n[[objectives]]\nname = "raises"\n'
    )
    code, out, err = run_cli("run", suite, "--out", tmp_path / "out", "--plugins-dir", plugins, "--jobs", "1")
    assert code == 1  # some trials failed with an error
    suite_dir = tmp_path / "out" / "faults"
    finals = {p.parent.name: json.loads(p.read_text()) for p in suite_dir.glob("*/final.json")}
    by_objective = {}
    for name, final in finals.items():
        by_objective.setdefault(name.split("-s")[0].removeprefix("ring-"), []).append(final)
    assert [f["status"] for f in by_objective["nonsaturating"]] == ["complete", "complete"]
    assert [f["status"] for f in by_objective["hinge"]] == ["complete", "complete"]
    for final in by_objective["explodes"]:
        assert final["status"] == "diverged"
        assert final["step"] == 40 and final["last_good_step"] == 0
        assert "wasserstein" in final["metrics"]  # the last good metrics are kept
    for final in by_objective["raises"]:
        assert final["status"] == "error"
        assert "generator loss exploded on purpose" in final["message"]
    errors = list(suite_dir.glob("*/error.txt"))
    assert len(errors) == 2 and "Traceback" in errors[0].read_text()
    error_lines = [line for line in err.splitlines() if line.startswith("[") and "ring/raises" in line]
    assert len(error_lines) == 2 and all("error.txt" in line for line in error_lines)
    assert "| explodes " in out and "0 ok, 2 diverged" in out
    assert "| raises " in out and "0 ok, 2 error" in out
    # errored trials are retried by a rerun; diverged ones are results and are kept
    code, _, err = run_cli("run", suite, "--out", tmp_path / "out", "--plugins-dir", plugins, "--jobs", "1")
    assert code == 1 and "skipping 6 finished trials" in err


def test_a_plugin_that_fails_to_load_is_reported_and_the_rest_works(tmp_path, run_cli):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text("raise ImportError('missing dependency xyz')\n")
    code, out, _ = run_cli("plugins", "--plugins-dir", plugins)
    assert code == 3  # `ganbench plugins` fails when a plugin does, so a plugin package's CI notices
    line = next(line for line in out.splitlines() if line.startswith("broken"))
    assert "failed: ImportError: missing dependency xyz" in line and f"file {plugins / 'broken.py'}" in line
    suite = tmp_path / "faults.toml"
    suite.write_text(FAULTS_SUITE.format(steps=20))
    code, _, err = run_cli("run", suite, "--out", tmp_path / "out", "--plugins-dir", plugins, "--jobs", "1")
    assert code == 0
    assert "warning: plugin broken" in err and "missing dependency xyz" in err


def test_two_runners_never_train_the_same_trial_and_leave_a_complete_set(reference, tmp_path):
    suite, expected = reference
    out = tmp_path / "out"
    first = start(suite, out, "--jobs", "1")
    second = start(suite, out, "--jobs", "1")
    results = [p.communicate(timeout=600) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    completed = sum(err.count(": complete") for _, err in results)
    assert completed == 4, results  # each trial trained exactly once
    assert len(list((out / "faults").glob("*/DONE"))) == 4
    assert snapshot(out / "faults") == expected
    summary = (out / "faults" / "summary.csv").read_text().splitlines()
    assert len(summary) == 5


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("signal and flock behaviour is tested on Linux")
