"""``ganbench run --executor ray`` on a local Ray instance (2 CPUs, loopback only, started
once for this module and stopped at its end): the same results as a local run in both
storage modes, a worker killed mid-trial retried from its checkpoint, Ctrl-C on the driver.

Runs driven in this process reuse the module's Ray instance; the Ctrl-C test drives from a
subprocess that connects to it with ``--ray-address``, as a user on a cluster node would.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from ganbench.cli import main
from tests.helpers.project import ROOT, ganbench_exe
from tests.helpers.runs import FAULTS_SUITE, SEARCH_SUITE, TIMING, TINY_SUITE, default_sigint, snapshot

ray = pytest.importorskip("ray")

#: Ray on one machine: every process listens on the loopback interface only (Ray's
#: single-machine mode), and no authentication token is written to the home directory
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance with 2 CPUs; yields its address. Every process it started is
    stopped at the end of the module (``ray.shutdown`` ends the ones this process owns)."""
    saved = {k: os.environ.get(k) for k in LOOPBACK}
    os.environ.update(LOOPBACK)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(*args: object) -> tuple[int, str]:
    """``ganbench run`` in this process (on the module's Ray instance when --executor ray)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", *map(str, args)])
    return code, err.getvalue()


def untimed(summary: Path) -> pd.DataFrame:
    frame = pd.read_csv(summary)
    return frame[[c for c in frame.columns if c not in TIMING]]


@pytest.fixture(scope="module")
def quick_inline(tmp_path_factory):
    out = tmp_path_factory.mktemp("inline")
    code, err = run(ROOT / "suites" / "quick.toml", "--out", out, "--executor", "inline")
    assert code == 0, err
    return out / "quick"


# driver storage in the slow run: the default run checks it through the worker-kill test below
@pytest.mark.parametrize("storage", ["auto", pytest.param("driver", marks=pytest.mark.slow)])
def test_the_quick_suite_on_ray_gives_the_summary_of_an_inline_run(cluster, quick_inline, tmp_path, storage):
    code, err = run(ROOT / "suites" / "quick.toml", "--out", tmp_path, "--executor", "ray", "--ray-storage", storage)
    assert code == 0, err
    if storage == "auto":  # one machine: every node sees the results directory
        assert f"ray: storage shared: every node sees {tmp_path.absolute() / 'quick'}" in err
        assert not list((tmp_path / "quick").glob(".ganbench-probe-*"))  # the probe file is removed
    else:
        assert "ray: storage driver (--ray-storage)" in err
    here = ray.get_runtime_context().get_node_id()[:8]
    assert err.count(f"({here}): complete") == 10  # the plain progress lines name the node of each trial
    pd.testing.assert_frame_equal(untimed(tmp_path / "quick" / "summary.csv"), untimed(quick_inline / "summary.csv"))
    assert snapshot(tmp_path / "quick") == snapshot(quick_inline)  # histories too, timing aside
    files = sorted(p.relative_to(tmp_path / "quick") for p in (tmp_path / "quick").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(quick_inline) for p in quick_inline.rglob("*") if p.is_file())


def test_a_search_on_ray_trains_both_phases_and_selects_as_an_inline_run(cluster, tmp_path):
    """Driver storage: the selection reads the search trials' files the tasks sent back."""
    suite = tmp_path / "tune.toml"
    suite.write_text(SEARCH_SUITE.replace("steps = 120", "steps = 40"))
    code, err = run(suite, "--out", tmp_path / "inline", "--executor", "inline")
    assert code == 0, err
    code, err = run(suite, "--out", tmp_path / "ray", "--executor", "ray", "--ray-storage", "driver")
    assert code == 0, err
    assert "phase 1 of 2" in err and "phase 2 of 2" in err
    record = (tmp_path / "ray" / "tune" / "search.json").read_text()
    assert record == (tmp_path / "inline" / "tune" / "search.json").read_text()
    assert snapshot(tmp_path / "ray" / "tune") == snapshot(tmp_path / "inline" / "tune")


def test_in_driver_storage_a_trial_another_run_holds_is_left_alone(cluster, tmp_path):
    """The driver's copy is locked while a task trains it: a second runner's lock is respected."""
    from ganbench.io import TrialLock
    from ganbench.plugins import load_plugins
    from ganbench.suite import load_suite

    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY_SUITE.replace("seeds = 1", "seeds = 2"))
    held = load_suite(suite, load_plugins(None)).trials[0].id
    (tmp_path / "tiny" / held).mkdir(parents=True)
    with TrialLock(tmp_path / "tiny" / held) as lock:
        assert lock.acquired
        code, err = run(suite, "--out", tmp_path, "--executor", "ray", "--ray-storage", "driver", "--vectorize", "off")
    assert code == 0, err
    assert "locked — another ganbench run is training it" in err
    assert [p.name for p in (tmp_path / "tiny" / held).iterdir()] == [".lock"]
    assert len(list((tmp_path / "tiny").glob("*/DONE"))) == 1


# ------------------------------------------------------------------------- faults


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    """A suite whose trials run long enough to be interrupted, and its uninterrupted results."""
    root = tmp_path_factory.mktemp("faults")
    suite = root / "faults.toml"
    suite.write_text(FAULTS_SUITE.format(steps=480))
    code, err = run(suite, "--out", root / "out", "--executor", "inline")
    assert code == 0, err
    return suite, snapshot(root / "out" / "faults")


def checkpointed(suite_dir: Path, at_least: int) -> bool:
    """Has some unfinished trial a checkpoint of step ``at_least`` or later?"""
    for ck in suite_dir.glob("*/checkpoint.pt"):
        if (ck.parent / "DONE").exists():
            continue
        try:
            if torch.load(ck, weights_only=True)["step"] >= at_least:
                return True
        except Exception:
            continue
    return False


def task_workers() -> list[int]:
    """PIDs of Ray workers now running a ganbench task, among this process's descendants."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "cmdline").read_bytes().startswith(b"ray::ganbench_group"):
                continue
            pid = int(entry.name)
            while pid > 1 and pid != me:
                pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if pid == me:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("storage", [pytest.param("shared", marks=pytest.mark.slow), "driver"])
def test_a_worker_killed_mid_trial_is_retried_and_the_suite_matches_an_uninterrupted_run(
    cluster, faults, tmp_path, storage
):
    suite, expected = faults
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            workers = task_workers()
            if workers and checkpointed(tmp_path / "faults", at_least=20):
                for pid in workers:  # every task running now, one of them past its step-20 checkpoint
                    os.kill(pid, signal.SIGKILL)
                killed.extend(workers)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    code, err = run(suite, "--out", tmp_path, "--executor", "ray", "--ray-storage", storage)
    killer.join()
    assert killed, "no worker was killed mid-trial; nothing was tested"
    assert code == 0, err
    assert "resuming from step" in err  # the retry started from a checkpoint, not from scratch
    assert snapshot(tmp_path / "faults") == expected


@pytest.mark.slow
def test_ctrl_c_on_the_driver_checkpoints_running_tasks_and_exits_130(cluster, faults, tmp_path):
    suite, expected = faults
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    args = ["run", str(suite), "--out", str(tmp_path), "--executor", "ray", "--ray-address", cluster]
    proc = subprocess.Popen(
        [*ganbench_exe(), *args, "--ray-storage", "driver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    try:
        deadline = time.time() + 180
        while not checkpointed(tmp_path / "faults", at_least=20):
            assert proc.poll() is None and time.time() < deadline, proc.communicate()
            time.sleep(0.05)
        time.sleep(random.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "rerun `ganbench run" in err and "Traceback" not in err
    assert len(list((tmp_path / "faults").glob("*/DONE"))) < 4, "the run ended before Ctrl-C; nothing was tested"
    # a rerun with another executor resumes the same trials from the checkpoints written on Ctrl-C
    code, again = run(suite, "--out", tmp_path, "--executor", "inline")
    assert code == 0, again
    assert "resuming from step" in again
    assert snapshot(tmp_path / "faults") == expected


def test_loggers_log_from_ray_tasks_into_the_suites_directory(cluster, tmp_path):
    """Driver storage: tasks train in scratch directories, yet loggers write beside the driver's results."""
    import json

    from tests.loggers.runs import trials, write_plugins, write_suite

    plugins = write_plugins(tmp_path)
    suite = write_suite(tmp_path, 'log = ["recorder"]')
    code, err = run(
        suite, "--out", tmp_path / "out", "--executor", "ray", "--ray-storage", "driver", "--plugins-dir", plugins
    )
    assert code == 0, err
    suite_dir = tmp_path / "out" / "watched"
    found = trials(suite_dir)
    assert len(found) == 2
    for trial_id, (_, history) in found.items():
        calls = [json.loads(line) for line in (suite_dir / "recorder" / f"{trial_id}.jsonl").read_text().splitlines()]
        assert [c.get("step") for c in calls] == [r["step"] for r in history] + [None]
        assert os.getpid() not in {c["pid"] for c in calls}  # Ray's workers logged
