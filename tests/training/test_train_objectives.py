"""Every built-in objective, every generator choice and every penalty trains on the ring
through the real trainer for a short budget without producing NaN; and the f-GAN suite
file is valid."""

from __future__ import annotations

import json
import math
import typing

from ganbench.plugins import load_plugins
from tests.helpers.project import ROOT

HEADER = """
name = "all-objectives"
seeds = 1
metrics = ["energy"]

[train]
steps = 12
batch_size = 32
eval_every = 6
eval_samples = 100
snapshot_samples = 0

[model]
name = "mlp"
width = 16
depth = 1

[[datasets]]
name = "ring"
modes = 8
radius = 2.0
sigma = 0.02
"""


def entries() -> list[str]:
    registry = load_plugins(None)
    out = []
    for name in registry.names("objectives"):
        cls = registry.get("objectives", name)
        hint = typing.get_type_hints(cls).get("generator")
        choices = typing.get_args(hint) if hint is not None and typing.get_origin(hint) is typing.Literal else [None]
        for choice in choices:
            label = f"{name}-{choice}" if choice else name
            option = f'generator = "{choice}"\n' if choice else ""
            out.append(f'[[objectives]]\nname = "{name}"\nlabel = "{label}"\n{option}')
    for penalty in registry.names("penalties"):
        out.append(
            f'[[objectives]]\nname = "nonsaturating"\nlabel = "ns-{penalty}"\n'
            f'penalty = "{penalty}"\npenalty_weight = 10\n'
        )
    return out


def test_every_builtin_objective_and_penalty_trains_without_nan(run_cli, tmp_path):
    objectives = entries()
    suite = tmp_path / "all.toml"
    suite.write_text(HEADER + "\n" + "\n".join(objectives))
    code, _, err = run_cli("run", suite, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, err
    trials = sorted(p for p in (tmp_path / "out" / "all-objectives").iterdir() if p.is_dir())
    assert len(trials) == len(objectives)
    for trial in trials:
        final = json.loads((trial / "final.json").read_text())
        assert final["status"] == "complete", f"{trial.name}: {final.get('message')}"
        for row in map(json.loads, (trial / "history.jsonl").read_text().splitlines()):
            for key in ("loss_d", "loss_g", "estimate", "energy"):
                if row["step"] == 0 and key.startswith("loss"):
                    continue  # no training step has been taken at step 0
                assert math.isfinite(row[key]), f"{trial.name} step {row['step']}: {key} = {row[key]}"


def test_the_fgan_suite_is_valid(run_cli):
    code, out, _ = run_cli("validate", ROOT / "suites" / "fgan.toml")
    assert code == 0
    assert "66 trials (2 datasets × 11 objectives × 3 seeds)" in out
