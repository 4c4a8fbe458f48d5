"""The trainer wires a trial's configuration into what it computes: penalties enter the
critic's loss with their weight, weight clipping holds, the hyperparameters reach the
optimisers, and evaluation never perturbs training. Each check reads what the trainer
wrote (histories, checkpoints) and compares it with an independent expectation."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch

from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from ganbench.training import EngineOptions, train_trials

CONSTANT_PENALTY = textwrap.dedent(
    """
    import dataclasses
    from typing import ClassVar
    import ganbench

    @dataclasses.dataclass(frozen=True)
    class Seven(ganbench.Penalty):
        \"\"\"7 for every member, whatever the critic: it adds 7·weight to the critic's loss and
        nothing to its gradient.\"\"\"
        name: ClassVar[str] = "seven"

        def __call__(self, critic, real, fake, draws):
            return ganbench.mean(critic(real) * 0.0) + 7.0

    @ganbench.hookimpl
    def register_penalties(register):
        register(Seven)
    """
)


def suite(body: str, *, steps: int = 8, eval_every: int = 4, seeds: str = "[0]", dataset: str = "ring") -> str:
    return textwrap.dedent(
        f"""
        name = "wiring"
        seeds = {seeds}
        metrics = ["modes", {{ name = "wasserstein", samples = 64 }}]
        [train]
        steps = {steps}
        batch_size = 32
        eval_every = {eval_every}
        eval_samples = 64
        snapshot_samples = 0
        [model]
        name = "mlp"
        width = 16
        depth = 2
        [[datasets]]
        name = "{dataset}"
        """
    ) + textwrap.dedent(body)


def run(tmp_path: Path, text: str, registry=None, name: str = "run") -> dict[str, Path]:
    """Train every trial of ``text`` (grouped as the engine groups them); their directories by label."""
    registry = registry or load_plugins(None)
    (tmp_path / f"{name}.toml").write_text(text)
    trials = load_suite(tmp_path / f"{name}.toml", registry).trials
    paths = [tmp_path / name / t.id for t in trials]
    results = train_trials(trials, [str(p) for p in paths], "cpu", registry, EngineOptions())
    assert all(str(r["status"]) == "complete" for r in results), results
    return {t.objective.label: p for t, p in zip(trials, paths, strict=True)}


def history(path: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in (path / "history.jsonl").read_text().splitlines()]


def checkpoint(path: Path) -> dict:
    return torch.load(path / "checkpoint.pt", weights_only=True)


def test_a_penalty_enters_the_critic_loss_times_its_weight(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "seven.py").write_text(CONSTANT_PENALTY)
    body = """
    [[objectives]]
    name = "nonsaturating"
    label = "plain"

    [[objectives]]
    name = "nonsaturating"
    label = "seven"
    penalty = "seven"
    penalty_weight = 2.0
    """
    dirs = run(tmp_path, suite(body), load_plugins(plugins))
    plain, seven = history(dirs["plain"]), history(dirs["seven"])
    for a, b in zip(plain[1:], seven[1:], strict=True):
        assert b["loss_d"] == pytest.approx(a["loss_d"] + 2.0 * 7.0, rel=1e-6)  # added, times the weight
        assert b["loss_g"] == a["loss_g"] and b["wasserstein"] == a["wasserstein"]  # no gradient: same path


def test_a_gradient_penalty_changes_the_critics_path(tmp_path):
    body = """
    [[objectives]]
    name = "nonsaturating"
    label = "plain"

    [[objectives]]
    name = "nonsaturating"
    label = "r1"
    penalty = "r1"
    penalty_weight = 10.0
    """
    dirs = run(tmp_path, suite(body))
    plain, r1 = checkpoint(dirs["plain"])["critic"], checkpoint(dirs["r1"])["critic"]
    assert any(not torch.equal(plain[k], r1[k]) for k in plain)
    assert history(dirs["r1"])[-1]["loss_d"] != history(dirs["plain"])[-1]["loss_d"]


def test_weight_clipping_keeps_every_critic_parameter_within_the_bound(tmp_path):
    body = """
    [[objectives]]
    name = "wgan-clip"
    n_critic = 2
    """
    dirs = run(tmp_path, suite(body))
    critic = checkpoint(dirs["wgan-clip"])["critic"]
    values = torch.cat([t.flatten() for t in critic.values()])
    assert float(values.abs().max()) <= 0.01
    # the initial weights lie far beyond 0.01: without clipping few would end near the bound
    assert float((values.abs() > 0.0099).float().mean()) > 0.5


def test_critic_steps_learning_rates_and_betas_reach_the_optimisers(tmp_path):
    """After one generator step (n_critic critic steps) Adam has moved each parameter by about
    its learning rate, and its moments hold (1 - β1)·g and (1 - β2)·g²."""
    from ganbench.datasets.mixtures import Ring
    from ganbench.models.mlp import MLP

    body = """
    [[objectives]]
    name = "lsgan"
    n_critic = 1
    lr_g = 3e-3
    lr_d = 5e-4
    betas = [0.3, 0.95]
    """
    dirs = run(tmp_path, suite(body, steps=1, eval_every=1))
    ck = checkpoint(dirs["lsgan"])
    torch.manual_seed(0)  # the trial's seed: its networks' initial parameters, rebuilt here
    gen0, critic0 = MLP(width=16, depth=2).build(Ring())
    for net0, name, lr in ((gen0, "generator", 3e-3), (critic0, "critic", 5e-4)):
        moved = torch.cat([(ck[name][k] - v.detach()).abs().flatten() for k, v in net0.state_dict().items()])
        assert float(moved.max()) == pytest.approx(lr, rel=1e-3), name
    for opt in ("opt_g", "opt_d"):
        m, v = ck[opt]["exp_avg"], ck[opt]["exp_avg_sq"]
        nonzero = v > 1e-20
        assert torch.allclose(m[nonzero] ** 2 / v[nonzero], torch.tensor((1 - 0.3) ** 2 / (1 - 0.95)), rtol=1e-4)
    body = """
    [[objectives]]
    name = "hinge"
    n_critic = 3
    """
    ck = checkpoint(run(tmp_path, suite(body, steps=5, eval_every=5), name="steps")["hinge"])
    assert (ck["opt_d"]["steps"], ck["opt_g"]["steps"]) == (15, 5)


def test_the_evaluation_schedule_never_changes_the_training_path(tmp_path):
    """Evaluation draws from a generator of its own: evaluating twice as often leaves the
    parameters, and so every figure at a common step, unchanged."""
    body = """
    [[objectives]]
    name = "minimax"
    """
    often = history(run(tmp_path, suite(body, steps=8, eval_every=2), name="often")["minimax"])
    rarely = history(run(tmp_path, suite(body, steps=8, eval_every=4), name="rarely")["minimax"])
    common = {r["step"]: r for r in often}
    for record in rarely:
        for key in ("estimate", "wasserstein", "modes_captured", "hq_percent"):
            assert common[record["step"]][key] == record[key], (record["step"], key)


def test_trials_that_do_not_share_a_group_key_are_refused_as_one_group(tmp_path):
    """minimax with 1 critic step and hinge with 5, handed to the trainer as one group, would
    both take the first member's critic steps: the trainer refuses them, naming both trials
    and what differs, before it writes anything."""
    registry = load_plugins(None)
    body = """
        [[objectives]]
        name = "minimax"
        n_critic = 1
        [[objectives]]
        name = "hinge"
        n_critic = 5
        """
    (tmp_path / "mixed.toml").write_text(suite(body))
    trials = load_suite(tmp_path / "mixed.toml", registry).trials
    paths = [tmp_path / "mixed" / t.id for t in trials]
    with pytest.raises(ValueError, match="n_critic") as refused:
        train_trials(trials, [str(p) for p in paths], "cpu", registry, EngineOptions())
    assert all(t.id in str(refused.value) for t in trials)
    assert not (tmp_path / "mixed").exists()
