"""Runs of ``ganbench run`` that tests start, interrupt and compare: the tiny suite, the faults
suite, a subprocess that Ctrl-C reaches, and a run's results with timing fields removed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import torch

from tests.helpers.project import ROOT, ganbench_exe

#: history fields that measure time, which legitimately differ between runs
TIMING = {"steps_per_s", "samples_per_s", "window_steps_per_s", "train_time", "wall_time"}

TINY_SUITE = """
name = "tiny"
seeds = 1
metrics = ["modes", "energy", "wasserstein"]

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
name = "nonsaturating"
"""

#: a suite whose trials run long enough to be interrupted (``steps`` filled in by each test)
FAULTS_SUITE = """
name = "faults"
seeds = [0, 1]
metrics = ["modes", "wasserstein"]

[train]
steps = {steps}
batch_size = 64
eval_every = 40
eval_samples = 300
checkpoint_every = 20

[model]
name = "mlp"
width = 32
depth = 2

[[datasets]]
name = "ring"

[[objectives]]
name = "nonsaturating"

[[objectives]]
name = "hinge"
n_critic = 2
"""


#: a suite with a [search]: two objectives, 3 random configurations each, search seed 1000, report seeds 0 and 1
SEARCH_SUITE = """
name = "tune"
seeds = [0, 1]                  # the report seeds
metrics = ["modes", "wasserstein"]

[train]
steps = 120
batch_size = 32
eval_every = 40
eval_samples = 200
checkpoint_every = 20

[model]
name = "mlp"
width = 16
depth = 1

[[datasets]]
name = "ring"

[[objectives]]
name = "nonsaturating"

[[objectives]]
name = "hinge"

[search]
method = "random"
budget = 3
seed = 0
seeds = [1000]

[search.space]
lr_g = { log = [1e-4, 1e-2] }
lr_d = { tie = "lr_g" }
"""


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def default_sigint() -> None:
    """In a child that a test will send Ctrl-C: SIGINT's default action. A shell starts a
    background job with SIGINT ignored, its children inherit that, and Python then never
    raises KeyboardInterrupt: run from such a job, the test would send a signal nobody sees."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(suite: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ganbench_exe(), "run", str(suite), "--out", str(out), *extra],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )


def rerun(suite: Path, out: Path, jobs: str = "1") -> subprocess.CompletedProcess[str]:
    """`ganbench run` of ``suite`` into ``out``, to completion."""
    return subprocess.run(
        [*ganbench_exe(), "run", str(suite), "--out", str(out), "--jobs", jobs],
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def snapshot(suite_dir: Path) -> dict[str, object]:
    """Histories and final metrics of every trial, timing fields removed."""
    out: dict[str, object] = {}
    for trial in sorted(p for p in suite_dir.iterdir() if p.is_dir()):
        history = [json.loads(x) for x in (trial / "history.jsonl").read_text().splitlines()]
        final = json.loads((trial / "final.json").read_text())
        metrics = {k: v for k, v in final["metrics"].items() if k not in TIMING}
        out[trial.name] = ([{k: v for k, v in r.items() if k not in TIMING} for r in history], metrics)
    return out


def resumable(suite_dir: Path, at_least: int = 0) -> bool:
    """Has some unfinished trial (no ``DONE``) a checkpoint of step ``at_least`` or later?"""
    for ck in suite_dir.glob("*/checkpoint.pt"):
        if (ck.parent / "DONE").exists():
            continue
        try:
            if torch.load(ck, weights_only=True)["step"] >= at_least:
                return True
        except Exception:  # replaced while we read it, or not yet complete: look again
            continue
    return False


def kill_point(steps: int, every: int = 20) -> int:
    """A random checkpoint step in the first three quarters of a run of ``steps``: where a test
    interrupts it, so that runs of the test interrupt it at varying points, but always while
    some trial still has steps to train."""
    return random.randrange(0, steps * 3 // 4, every)


def wait_for_checkpoint(suite_dir: Path, proc: subprocess.Popen[str], at_least: int = 0, timeout: float = 120) -> None:
    """Wait until a trial that is still training has a checkpoint of step ``at_least`` or
    later, so that a signal sent now leaves a trial to resume."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if resumable(suite_dir, at_least):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"no unfinished trial reached a checkpoint of step {at_least}")
