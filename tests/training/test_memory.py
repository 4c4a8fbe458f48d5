"""A CPU training step reuses the memory the previous step freed (ganbench.training.memory).

Without it, glibc hands a group's large activations back to the operating system at every
step and the next step faults every page in again: thousands of page faults per step of a
group of 16, a quarter of its time on the 2-core CPU machine. Page faults are counted, not
timed, so these tests do not depend on the machine's load."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

import ganbench.training.engine as engine_module
from ganbench.training import EngineOptions, train_trials

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

FAULTS_PER_STEP = """
import resource, sys, tempfile
from pathlib import Path
import torch
from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from ganbench.training.grouping import throwaway_group
from ganbench.training.memory import keep_freed_memory

torch.set_num_threads(1)
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
registry = load_plugins(None)
with tempfile.TemporaryDirectory() as tmp:
    suite = Path(tmp) / "s.toml"
    suite.write_text('''
name = "s"
seeds = 16
[train]
batch_size = 64
[model]
name = "mlp"
[[datasets]]
name = "ring"
[[objectives]]
name = "nonsaturating"
''')
    group = throwaway_group(load_suite(suite, registry).trials, registry, "cpu")
for _ in range(3):
    group.train_step()
faults = []
for _ in range(21):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    group.train_step()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(kept, sorted(faults)[10], *faults)
"""


def faults_per_step(mode: str) -> tuple[str, float]:
    """Whether memory was kept, and the median page faults of 21 training steps (the median, so
    that a step where the heap grows once, as under a loaded machine, does not decide)."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FAULTS_PER_STEP), mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], float(out[1])


@glibc
def test_a_group_of_16_faults_in_no_fresh_pages_once_freed_memory_is_kept():
    kept, faults = faults_per_step("keep")
    assert kept == "True"
    assert faults < 64  # less than a quarter of one fresh 1 MiB block (256 pages) per step
    # the cause: with glibc's defaults the pages go back, and at least one fresh block per step
    # faults in again (how many varies with glibc's adaptive threshold: medians 1,100 to 1,500 here)
    _, unkept = faults_per_step("default")
    assert unkept >= 256


def test_cpu_training_keeps_freed_memory(tmp_path, monkeypatch, registry):
    calls = []
    monkeypatch.setattr(engine_module, "keep_freed_memory", lambda: calls.append(True))
    train_trials([], [], "cpu", registry, EngineOptions())
    assert calls == [True]
