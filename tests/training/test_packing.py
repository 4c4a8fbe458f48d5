"""Packed trials (PacGAN) in the trainer: a training step draws batch_size·m samples per side
and hands the critic batch_size packs; pack 1 is the trial it was before packing existed;
packed members of a vectorised group train as they train alone, and different pack sizes
never share a group."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest
import torch

from ganbench.config import Hyper
from ganbench.listing import hyper_text
from ganbench.results import TrialDir
from ganbench.stacking.draws import stream_seed
from ganbench.status import Status
from ganbench.suite import load_suite
from ganbench.training import checkpoint
from ganbench.training.evaluate import eval_seed, evaluation_inputs, sample
from ganbench.training.grouping import plan_groups, step_cost
from ganbench.training.member import Member
from tests.helpers.report import md_tables
from tests.training.test_vectorized import assert_close, run_grouped_and_alone

SUITE = textwrap.dedent(
    """
    name = "packed"
    seeds = {seeds}
    metrics = ["modes", "energy"]
    [train]
    steps = 4
    batch_size = 6
    eval_every = 2
    eval_samples = 40
    snapshot_samples = 0
    [model]
    name = "mlp"
    width = 8
    depth = 1
    [[datasets]]
    name = "ring"
    """
)


def suite(tmp_path: Path, objectives: str, seeds: str = "[0]", name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(SUITE.format(seeds=seeds) + textwrap.dedent(objectives))
    return path


def test_pack_1_given_explicitly_is_the_trial_without_packing_id_and_config_alike(tmp_path, registry):
    plain = load_suite(suite(tmp_path, '[[objectives]]\nname = "nonsaturating"\n', name="a.toml"), registry)
    one = load_suite(suite(tmp_path, '[[objectives]]\nname = "nonsaturating"\npack = 1\n', name="b.toml"), registry)
    two = load_suite(suite(tmp_path, '[[objectives]]\nname = "nonsaturating"\npack = 2\n', name="c.toml"), registry)
    (a,), (b,), (c,) = plain.trials, one.trials, two.trials
    assert a.id == b.id and json.dumps(a.to_json()) == json.dumps(b.to_json())
    assert "pack" not in a.to_json()["objective"]["hyper"]
    assert c.id != a.id and c.to_json()["objective"]["hyper"]["pack"] == 2
    assert type(c).from_json(c.to_json()).objective.hyper.pack == 2  # read back
    assert type(a).from_json(a.to_json()).objective.hyper.pack == 1  # absent: 1


def test_a_pack_larger_than_the_evaluation_samples_is_refused(tmp_path, run_cli):
    path = suite(tmp_path, '[[objectives]]\nname = "nonsaturating"\npack = 41\n')
    code, _out, err = run_cli("validate", path)
    assert code == 2
    assert "objectives[0].pack: 41 is more than train.eval_samples (40)" in err


def softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def packed_group(tmp_path: Path, registry, eval_samples: int = 40):
    """A fresh float64 group of one minimax trial (seed 4) with pack 2, and plain copies of its
    networks."""
    text = '[[objectives]]\nname = "minimax"\npack = 2\n'
    path = suite(tmp_path, text, seeds="[4]")
    path.write_text(path.read_text().replace("eval_samples = 40", f"eval_samples = {eval_samples}"))
    (trial,) = load_suite(path, registry).trials
    parts = trial.instantiate(registry)
    group = checkpoint.fresh_group(Member(trial, parts, TrialDir(Path("/nonexistent"))), "cpu", torch.float64)
    gen, critic = parts.model.build(parts.dataset)[0].double(), group.critic.base
    gen.load_state_dict(group.gen.state_dict(0))
    critic.load_state_dict(group.critic.state_dict(0))
    return group, parts, gen, critic


def pack_outputs(critic: torch.nn.Module, samples: torch.Tensor) -> list[float]:
    """The critic's output on each pack of 2 consecutive samples, the packs built by hand."""
    rows = samples.tolist()
    packs = [rows[2 * i] + rows[2 * i + 1] for i in range(len(rows) // 2)]  # lists: concatenation
    with torch.no_grad():
        return [float(critic(torch.tensor([p], dtype=torch.float64))[0]) for p in packs]


def test_a_packed_training_step_draws_batch_times_m_samples_and_scores_packs_of_m(tmp_path, registry):
    """The minimax losses of one training step, recomputed by hand from the same random stream:
    6·2 real samples then 6·2 latents, packed 2 by 2 in order, the critic's output on each pack
    and the BCE loss in plain arithmetic; then the generator step's 6·2 latents, judged by the
    updated critic."""
    group, parts, gen, critic = packed_group(tmp_path, registry)
    g = torch.Generator().manual_seed(stream_seed(4, "train"))
    real = parts.dataset.sample(12, generator=g).double()
    with torch.no_grad():
        fake = gen(torch.randn((12, 2), generator=g, dtype=torch.float64))
    d_real, d_fake = pack_outputs(critic, real), pack_outputs(critic, fake)
    expected = sum(softplus(-d) for d in d_real) / 6 + sum(softplus(d) for d in d_fake) / 6
    loss, real_packs = group.critic_step()
    assert real_packs.shape == (1, 6, 4)
    assert float(loss[0]) == pytest.approx(expected, rel=1e-12)

    critic.load_state_dict(group.critic.state_dict(0))  # after its update
    with torch.no_grad():
        fake = gen(torch.randn((12, 2), generator=g, dtype=torch.float64))
    expected_g = -sum(softplus(d) for d in pack_outputs(critic, fake)) / 6  # minimax: -E log(1 - D(G(z)))
    assert float(group.generator_step(real_packs)[0]) == pytest.approx(expected_g, rel=1e-12)


def test_a_packed_critics_estimate_reads_the_evaluation_samples_two_at_a_time(tmp_path, registry):
    """41 evaluation samples: 20 packs of 2 (the last sample left out), the minimax estimate
    log 2 - L_D/2 of the critic's outputs on them; the metrics still get all 41 samples."""
    group, parts, gen, critic = packed_group(tmp_path, registry, eval_samples=41)
    (sampled,) = sample(group, 0)
    estimate, _ = _minimax_estimate_by_hand(parts, gen, critic)
    assert sampled.estimate == pytest.approx(estimate, rel=1e-12)
    assert sampled.fake.shape == sampled.real.shape == (41, 2)


def _minimax_estimate_by_hand(parts, gen, critic) -> tuple[float, torch.Tensor]:
    """log 2 - L_D/2 of the critic on the 20 packs of 2 of the 41 evaluation samples (seed 4,
    step 0), computed pack by pack; and the 41 generated samples."""
    z, real = evaluation_inputs(parts, 41, torch.Generator().manual_seed(eval_seed(4, 0)))
    with torch.no_grad():
        fake = gen(z.double())
    d_real, d_fake = pack_outputs(critic, real.double()[:40]), pack_outputs(critic, fake[:40])
    loss = sum(softplus(-d) for d in d_real) / 20 + sum(softplus(d) for d in d_fake) / 20
    return math.log(2) - loss / 2, fake


def test_a_packed_estimate_over_several_chunks_reads_every_pack_once(tmp_path, registry, monkeypatch):
    """Evaluation runs in chunks of EVAL_CHUNK packs; with chunks of 4 packs the 20 packs of 41
    samples take 5 chunks, and the estimate is the one of all 20 packs, each read once."""
    group, parts, gen, critic = packed_group(tmp_path, registry, eval_samples=41)
    monkeypatch.setattr("ganbench.training.evaluate.EVAL_CHUNK", 4)
    (sampled,) = sample(group, 0)
    estimate, fake = _minimax_estimate_by_hand(parts, gen, critic)
    assert sampled.estimate == pytest.approx(estimate, rel=1e-12)
    assert torch.allclose(sampled.fake, fake.to(sampled.fake.dtype), rtol=1e-12, atol=1e-12)


def test_the_planner_weighs_a_packed_step_by_its_pack(tmp_path, registry):
    """A step of pack m draws batch·m samples per side: the planner weighs it m times an
    unpacked step of the same n_critic (n_critic 2: 3 network passes per step)."""
    trials = {t.objective.label: t for t in load_suite(suite(tmp_path, MIXED, seeds="[0]"), registry).trials}
    assert [step_cost(trials[label]) for label in ("gan", "pacgan2", "pacgan3")] == [3, 6, 9]


MIXED = """
[[objectives]]
name = "nonsaturating"
label = "gan"
n_critic = 2

[[objectives]]
name = "nonsaturating"
label = "pacgan2"
n_critic = 2
pack = 2

[[objectives]]
name = "ragan"
label = "ragan-pack2"
n_critic = 2
pack = 2

[[objectives]]
name = "wgan-gp"
label = "wgan-gp-pack2"
n_critic = 2
pack = 2

[[objectives]]
name = "hinge"
label = "hinge-dragan-pack3"
n_critic = 2
pack = 3
penalty = "dragan"
penalty_weight = 5.0

[[objectives]]
name = "minimax"
label = "pacgan3"
n_critic = 2
pack = 3
"""


def _label(block: str) -> str:
    return next(line.split('"')[1] for line in block.splitlines() if line.startswith("label"))


def test_packed_members_in_a_group_equal_their_solo_runs_and_pack_sizes_never_share_a_group(tmp_path, registry):
    path = suite(tmp_path, MIXED, seeds="[0, 1]")
    trials = load_suite(path, registry).trials
    plan = plan_groups(trials, registry, 64, "cpu", jobs=1)
    packs = [sorted({t.objective.hyper.pack for t in g}) for g in plan.groups]
    assert sorted(packs) == [[1], [2], [3]]
    assert sorted(len(g) for g in plan.groups) == [2, 4, 6]
    together: dict = {}
    for i, group in enumerate(plan.groups):  # each planned group trained as one
        labels = {t.objective.label for t in group}
        text = SUITE.format(seeds="[0, 1]") + "\n".join(b for b in MIXED.split("\n\n") if _label(b) in labels)
        (tmp_path / f"group{i}").mkdir()
        grouped, alone, results = run_grouped_and_alone(tmp_path / f"group{i}", text)
        assert [r["status"] for r in results] == [Status.COMPLETE] * len(group)
        assert_close(grouped, alone, rel=1e-9)
        together.update(grouped)
    assert len(together) == 12
    # the packed trials did train differently from the unpacked one of the same seed
    by_label = {t.objective.label: t.id for t in trials if t.seed == 0}
    assert together[by_label["gan"]][-1]["loss_d"] != together[by_label["pacgan2"]][-1]["loss_d"]


def test_a_packed_suite_trains_through_the_cli_and_its_critic_reads_packs(tmp_path, run_cli, registry):
    path = tmp_path / "quick-pacgan.toml"
    path.write_text(
        textwrap.dedent(
            """
            name = "quick-pacgan"
            seeds = 1
            metrics = ["modes", "energy", "wasserstein"]
            [train]
            steps = 20
            batch_size = 32
            eval_every = 10
            eval_samples = 200
            [model]
            name = "mlp"
            latent_dim = 2
            width = 16
            depth = 2
            [[datasets]]
            name = "ring"
            [[objectives]]
            name = "nonsaturating"
            label = "pacgan2"
            pack = 2
            [[objectives]]
            name = "nonsaturating"
            label = "gan"
            """
        )
    )
    code, _out, err = run_cli("run", path, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, err
    trial, _unpacked = load_suite(path, registry).trials
    code, _out, err = run_cli("report", tmp_path / "out" / "quick-pacgan", "--no-figures", "--out", tmp_path / "r.md")
    assert code == 0, err
    text = (tmp_path / "r.md").read_text()
    (hyper,) = [t for t in md_tables(text) if t[0][0] in ("pacgan2", "gan") and len(t[0]) == 9]
    (header,) = [line for line in text.splitlines() if "n_critic" in line and line.startswith("|")]
    assert [c.strip() for c in header.split("|")[1:4]] == ["objective", "n_critic", "pack"]
    assert {row[0]: row[2] for row in hyper} == {"pacgan2": "2", "gan": "1"}  # the report's pack column
    td = tmp_path / "out" / "quick-pacgan" / trial.id
    assert json.loads((td / "final.json").read_text())["status"] == "complete"
    last = json.loads((td / "history.jsonl").read_text().splitlines()[-1])
    # batch 32 packs of 2 samples per side, one critic and one generator step: 128 samples a step
    assert last["samples_per_s"] == pytest.approx(last["steps_per_s"] * 32 * 2 * 2, rel=1e-9)
    state = torch.load(td / "checkpoint.pt", weights_only=True)
    assert state["critic"]["body.0.weight"].shape == (16, 2 * 2)  # packs of 2 planar points
    assert state["generator"]["body.4.weight"].shape == (2, 16)  # the generator makes single points
    history = [json.loads(line) for line in (td / "history.jsonl").read_text().splitlines()]
    assert all(math.isfinite(row["estimate"]) for row in history)


def test_ganbench_list_shows_pack_with_its_help(run_cli):
    code, out, _err = run_cli("list", "objectives")
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith("pack ")]
    assert "[1, 64]" in row and "batch_size counts packs" in row
    assert hyper_text(Hyper(pack=3)).endswith(", pack=3") and "pack" not in hyper_text(Hyper())
