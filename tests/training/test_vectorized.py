"""The vectorised trainer: K trials trained as one program give each trial exactly what it
gives alone, whatever it is grouped with; stacked networks and the stacked Adam are
checked against plain PyTorch modules and ``torch.optim.Adam``."""

from __future__ import annotations

import json
import math
import random
import signal
import textwrap
import time
from pathlib import Path

import pytest
import torch

from ganbench.plugins import load_plugins
from ganbench.stacking.adam import StackedAdam
from ganbench.stacking.nets import StackedNet
from ganbench.status import Status
from ganbench.suite import load_suite
from ganbench.training import EngineOptions, train_trials
from ganbench.training.evaluate import sample
from ganbench.training.grouping import plan_groups, throwaway_group
from tests.helpers.plugins import BAD_OBJECTIVES
from tests.helpers.project import ROOT
from tests.helpers.runs import FAULTS_SUITE, TIMING, kill_point, snapshot, start, wait_for_checkpoint

F64 = EngineOptions(dtype=torch.float64)
EVERY_OBJECTIVE = (
    "minimax nonsaturating hinge wgan-gp wgan-clip lsgan ragan "
    "kl reverse-kl pearson neyman hellinger jeffrey fgan-js fgan-gan tv"
).split()


def suite_text(objectives: list[str], *, seeds: str = "[3]", n_critic: int = 2, extra: str = "") -> str:
    """A tiny suite: every objective with the same critic steps, so they can share a group."""
    blocks = "\n".join(f'[[objectives]]\nname = "{o}"\nn_critic = {n_critic}\n' for o in objectives)
    return (
        textwrap.dedent(
            f"""
        name = "vec"
        seeds = {seeds}
        metrics = ["modes", "energy", {{ name = "wasserstein", samples = 48 }}]
        [train]
        steps = 6
        batch_size = 16
        eval_every = 3
        eval_samples = 48
        snapshot_samples = 8
        [model]
        name = "mlp"
        width = 8
        depth = 2
        [[datasets]]
        name = "ring"
        """
        )
        + f"\n{blocks}\n{extra}"
    )


def histories(paths: list[Path]) -> dict[str, list[dict[str, float]]]:
    out = {}
    for p in paths:
        if not (p / "history.jsonl").exists():  # failed at its first evaluation
            continue
        rows = [json.loads(line) for line in (p / "history.jsonl").read_text().splitlines()]
        out[p.name] = [{k: v for k, v in r.items() if k not in TIMING} for r in rows]
    return out


def assert_close(a: dict[str, list[dict[str, float]]], b: dict[str, list[dict[str, float]]], rel: float) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert len(a[name]) == len(b[name]), name
        for ra, rb in zip(a[name], b[name], strict=True):
            assert ra.keys() == rb.keys(), name
            for key in ra:
                x, y = ra[key], rb[key]
                if isinstance(x, float) and math.isnan(x):
                    assert math.isnan(y), (name, ra["step"], key)
                else:
                    assert x == pytest.approx(y, rel=rel, abs=1e-12), (name, ra["step"], key, x, y)


def run_grouped_and_alone(tmp_path: Path, text: str, registry=None, options=F64) -> tuple[dict, dict, list]:
    registry = registry or load_plugins(None)
    suite_file = tmp_path / "vec.toml"
    suite_file.write_text(text)
    trials = load_suite(suite_file, registry).trials
    together = [tmp_path / "together" / t.id for t in trials]
    alone = [tmp_path / "alone" / t.id for t in trials]
    results = train_trials(trials, [str(p) for p in together], "cpu", registry, options)
    for trial, path in zip(trials, alone, strict=True):
        train_trials([trial], [str(path)], "cpu", registry, options)
    return histories(together), histories(alone), results


# ---------------------------------------------------------------- the building blocks


def test_a_stacked_mlp_computes_what_each_module_computes(registry):
    from ganbench.datasets.mixtures import Ring
    from ganbench.models.mlp import MLP

    torch.manual_seed(0)
    pairs = [MLP(width=8, depth=2).build(Ring()) for _ in range(3)]
    for i, kind in enumerate(("generator", "critic")):
        modules = [p[i].double() for p in pairs]
        net = StackedNet.stack(modules, "cpu", torch.float64)
        x = torch.randn(3, 5, 2, dtype=torch.float64)
        expected = torch.stack([m(x[k]) for k, m in enumerate(modules)])
        assert torch.allclose(net(x), expected, rtol=1e-12, atol=1e-14), kind
        assert torch.allclose(net(x[1:2], params=net.rows(slice(1, 2))), expected[1:2], rtol=1e-12, atol=1e-14)


def test_stacked_convolutional_nets_with_batch_norm_match_each_module():
    from ganbench.models.conv import DCGAN

    class Square:
        shape = (1, 8, 8)
        name = "square"

    torch.manual_seed(0)
    gens = [DCGAN(latent_dim=4, width=2).build(Square())[0].double() for _ in range(3)]
    net = StackedNet.stack(gens, "cpu", torch.float64)
    z = torch.randn(3, 6, 4, dtype=torch.float64)
    expected = torch.stack([g(z[k]) for k, g in enumerate(gens)])  # train mode: batch statistics
    assert torch.allclose(net(z), expected, rtol=1e-10, atol=1e-12)
    running = [dict(g.named_buffers()) for g in gens]
    for name, stacked in net.buffers.items():  # batch norm's running statistics, updated per member
        assert torch.allclose(stacked, torch.stack([r[name] for r in running]).to(stacked.dtype), rtol=1e-12), name
    assert set(net.state_dict(1)) == set(gens[1].state_dict())
    clone = DCGAN(latent_dim=4, width=2).build(Square())[0].double()
    clone.load_state_dict(net.state_dict(1))
    for key, value in clone.state_dict().items():
        assert torch.allclose(value, gens[1].state_dict()[key], rtol=1e-12), key


@pytest.mark.parametrize("method", ["step", "step_elementwise"])
def test_the_stacked_adam_is_k_separate_torch_adams(method):
    """Both ways of updating (the fused kernel, and broadcast arithmetic for other devices),
    with members 0 and 2 sharing their settings, two parameters of different shapes, and a
    gradient laid out transposed (as autograd gives a weight's)."""
    torch.manual_seed(0)
    settings = [(1e-3, (0.5, 0.999)), (2e-4, (0.0, 0.9)), (1e-3, (0.5, 0.999)), (5e-2, (0.9, 0.99))]
    k = len(settings)
    starts = [torch.randn(k, 7, dtype=torch.float64), torch.randn(k, 2, 4, dtype=torch.float64)]
    stacked = [s.clone().requires_grad_(True) for s in starts]
    opt = StackedAdam(stacked, [lr for lr, _ in settings], [b for _, b in settings])
    singles = [[s[i].clone().requires_grad_(True) for s in starts] for i in range(k)]
    torch_opts = [torch.optim.Adam(ps, lr=lr, betas=b) for ps, (lr, b) in zip(singles, settings, strict=True)]
    for _ in range(25):
        grads = [torch.randn(k, 7, dtype=torch.float64), torch.randn(k, 4, 2, dtype=torch.float64).transpose(1, 2)]
        getattr(opt, method)(grads)
        for i, (ps, o) in enumerate(zip(singles, torch_opts, strict=True)):
            for p, g in zip(ps, grads, strict=True):
                p.grad = g[i].clone()
            o.step()
    for i in range(k):
        for p, single in zip(stacked, singles[i], strict=True):
            assert torch.allclose(p[i], single, rtol=1e-12, atol=1e-15), i
        state = opt.state(i)  # a member's moments, as one row in parameter order (the checkpoint's)
        torch_state = [torch_opts[i].state[p] for p in singles[i]]
        assert torch.equal(state["exp_avg"], torch.cat([s["exp_avg"].reshape(-1) for s in torch_state]))


def test_in_float32_the_fused_stacked_adam_is_torch_fused_adam_bit_for_bit():
    """float32, betas (0.5, 0.999), 300 steps, members of two settings side by side: each
    member's parameters and moments equal ``torch.optim.Adam(fused=True)``'s exactly, so the
    kernel gets the settings as Python floats (β2 = 0.999, not float32's 0.99900001287)."""
    torch.manual_seed(0)
    settings = [(1e-3, (0.5, 0.999)), (2e-4, (0.5, 0.999)), (1e-3, (0.5, 0.999))]
    k = len(settings)
    starts = [torch.randn(k, 7), torch.randn(k, 2, 4)]
    stacked = [s.clone().requires_grad_(True) for s in starts]
    opt = StackedAdam(stacked, [lr for lr, _ in settings], [b for _, b in settings])
    singles = [[s[i].clone().requires_grad_(True) for s in starts] for i in range(k)]
    torch_opts = [
        torch.optim.Adam(ps, lr=lr, betas=b, fused=True) for ps, (lr, b) in zip(singles, settings, strict=True)
    ]
    for _ in range(300):
        grads = [torch.randn(k, 7), torch.randn(k, 2, 4)]
        opt.step(grads)
        for ps, o, i in zip(singles, torch_opts, range(k), strict=True):
            for p, g in zip(ps, grads, strict=True):
                p.grad = g[i].clone()
            o.step()
    for i in range(k):
        for p, single in zip(stacked, singles[i], strict=True):
            assert torch.equal(p[i], single), i
        torch_state = [torch_opts[i].state[p] for p in singles[i]]
        assert torch.equal(opt.state(i)["exp_avg_sq"], torch.cat([s["exp_avg_sq"].reshape(-1) for s in torch_state]))


# ---------------------------------------------------------------- a member equals its solo run


def test_every_objective_trained_in_one_group_equals_each_trained_alone(tmp_path):
    together, alone, results = run_grouped_and_alone(tmp_path, suite_text(EVERY_OBJECTIVE))
    assert [r["status"] for r in results] == [Status.COMPLETE] * len(EVERY_OBJECTIVE)
    assert len(together) == len(EVERY_OBJECTIVE) >= 3
    assert_close(together, alone, rel=1e-9)


PENALISED = textwrap.dedent(
    """
    [[objectives]]
    name = "nonsaturating"
    label = "ns-r1"
    n_critic = 2
    penalty = "r1"
    penalty_weight = 3.0

    [[objectives]]
    name = "hinge"
    label = "hinge-dragan"
    n_critic = 2
    penalty = "dragan"
    penalty_weight = 10.0

    [[objectives]]
    name = "minimax"
    label = "minimax-clip"
    n_critic = 2
    clip = 0.05
    """
)


def test_on_the_cpu_an_mlp_trial_gives_the_same_numbers_bit_for_bit_in_any_group(tmp_path):
    """In float32, what a run reports: the MLP's batched pass gives every member the same
    arithmetic whatever the group, so grouping never changes a number on the CPU."""
    text = suite_text(EVERY_OBJECTIVE, extra=PENALISED)
    together, alone, _ = run_grouped_and_alone(tmp_path, text, options=EngineOptions())
    assert len(together) == len(EVERY_OBJECTIVE) + 3
    assert json.dumps(together, sort_keys=True) == json.dumps(alone, sort_keys=True)


def seeds_suite(seeds: str, batch: int, objectives: list[str]) -> str:
    """Seeds of each objective sharing one group, evaluated on 27 samples: a count that is no
    multiple of the CPU's vector length."""
    tables = "".join(f'[[objectives]]\nname = "{name}"\n' for name in objectives)
    return (
        textwrap.dedent(
            f"""
        name = "seeds"
        seeds = {seeds}
        metrics = ["modes"]
        [train]
        steps = 3
        batch_size = {batch}
        eval_every = 1
        eval_samples = 27
        [model]
        name = "mlp"
        width = 8
        depth = 1
        [[datasets]]
        name = "ring"
        """
        )
        + tables
    )


def test_on_the_cpu_seeds_of_one_objective_in_one_group_give_the_estimates_they_give_alone(tmp_path):
    """Members of one objective are evaluated by one pass of the networks, but each gets its
    estimate from its own critic outputs: with an evaluation sample count that is no multiple
    of the CPU's vector length (27), computing a span's estimates at once would round some
    outputs of a member differently in a group than alone (here, seed 1's at step 0)."""
    text = seeds_suite("[0, 1, 2, 3]", 64, ["nonsaturating"])
    together, alone, _ = run_grouped_and_alone(tmp_path, text, options=EngineOptions())
    assert len(together) == 4
    assert json.dumps(together, sort_keys=True) == json.dumps(alone, sort_keys=True)


def test_on_the_cpu_seeds_sharing_a_span_train_as_they_train_alone_at_any_batch_size(tmp_path):
    """Members of one objective form a span, but each member's losses are computed on its own
    critic outputs: with a batch (16) that is no multiple of the CPU's vector length, a span's
    losses computed at once would round a member's tail differently in a group than alone."""
    text = seeds_suite("[0, 1, 2]", 16, ["nonsaturating", "kl", "ragan"])
    together, alone, _ = run_grouped_and_alone(tmp_path, text, options=EngineOptions())
    assert len(together) == 9
    assert json.dumps(together, sort_keys=True) == json.dumps(alone, sort_keys=True)


def test_penalties_and_clipping_per_member_equal_their_solo_runs(tmp_path):
    text = suite_text(["wgan-gp", "wgan-clip"], seeds="[0, 1]", extra=PENALISED)
    together, alone, _ = run_grouped_and_alone(tmp_path, text)
    assert len(together) == 10
    assert_close(together, alone, rel=1e-9)
    # the members did differ: a penalty or clipping changed each one's critic
    finals = {name: rows[-1]["loss_d"] for name, rows in together.items()}
    assert len({round(v, 12) for v in finals.values()}) == len(finals)


#: a tiny DCGAN suite (batch norm in the generator), its objectives to be added
DCGAN = textwrap.dedent(
    """
    name = "vec-images"
    seeds = {seeds}
    metrics = ["energy"]
    [train]
    steps = 4
    batch_size = 8
    eval_every = 2
    eval_samples = 24
    snapshot_samples = 0
    [model]
    name = "dcgan"
    latent_dim = 8
    width = 4
    [[datasets]]
    name = "digits"
    """
)


def test_dcgan_members_with_batch_norm_equal_their_solo_runs(tmp_path):
    text = DCGAN.format(seeds="[0, 1]") + textwrap.dedent(
        """
        [[objectives]]
        name = "wgan-gp"
        n_critic = 1
        [[objectives]]
        name = "nonsaturating"
        penalty = "r1"
        penalty_weight = 1.0
        """
    )
    together, alone, _ = run_grouped_and_alone(tmp_path, text)
    assert len(together) == 4
    assert_close(together, alone, rel=1e-9)


def test_a_diverging_member_leaves_at_the_evaluation_that_finds_it_and_others_are_unchanged(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "bad.py").write_text(BAD_OBJECTIVES)
    registry = load_plugins(plugins)
    text = suite_text(["nonsaturating", "explodes", "hinge"], seeds="[0, 1]")
    together, alone, results = run_grouped_and_alone(tmp_path, text, registry)
    assert [str(r["status"]) for r in results] == ["complete"] * 2 + ["diverged"] * 2 + ["complete"] * 2
    for r in results[2:4]:
        assert r["final"]["step"] == 3 and r["final"]["last_good_step"] == 0
    assert_close(together, alone, rel=1e-9)


def objective(name: str) -> str:
    return f'[[objectives]]\nname = "{name}"\nn_critic = 1\n'


def test_a_dcgan_members_batch_norm_statistics_do_not_depend_on_a_diverging_groupmate(tmp_path):
    """A DCGAN trial's checkpointed networks, batch norm's running statistics included, are
    the same whether it trained alone or beside a groupmate that diverged at the first
    evaluation after step 0 (so that that evaluation sampled a copy of the survivors)."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "bad.py").write_text(BAD_OBJECTIVES)
    registry = load_plugins(plugins)
    (tmp_path / "bn.toml").write_text(DCGAN.format(seeds="[0]") + objective("nonsaturating") + objective("explodes"))
    trials = load_suite(tmp_path / "bn.toml", registry).trials
    paths = [tmp_path / "together" / t.id for t in trials]
    results = train_trials(trials, [str(p) for p in paths], "cpu", registry, F64)
    assert [str(r["status"]) for r in results] == ["complete", "diverged"]
    alone = tmp_path / "alone" / trials[0].id
    train_trials(trials[:1], [str(alone)], "cpu", registry, F64)
    together = torch.load(paths[0] / "checkpoint.pt", weights_only=True)
    solo = torch.load(alone / "checkpoint.pt", weights_only=True)
    buffers = [n for n in solo["generator"] if "running" in n or "num_batches" in n]
    assert buffers, "the DCGAN generator has batch norm"
    for net in ("generator", "critic"):
        assert together[net].keys() == solo[net].keys()
        for name, value in solo[net].items():
            assert torch.allclose(together[net][name], value, rtol=1e-9, atol=1e-12), (net, name)


def test_evaluation_leaves_every_buffer_of_the_networks_as_it_was(tmp_path):
    """Sampling an evaluation moves no running statistic: the state that training and the
    checkpoints see is the one the training steps left."""
    registry = load_plugins(None)
    suite_file = tmp_path / "bn.toml"
    suite_file.write_text(DCGAN.format(seeds="[0, 1]") + objective("nonsaturating"))
    group = throwaway_group(load_suite(suite_file, registry).trials, registry, "cpu")
    group.train_step()
    before = {net: {n: b.clone() for n, b in getattr(group, net).buffers.items()} for net in ("gen", "critic")}
    assert before["gen"], "the DCGAN generator has batch norm"
    sample(group, group.step)
    for net, buffers in before.items():
        for name, value in buffers.items():
            assert torch.equal(getattr(group, net).buffers[name], value), (net, name)


def test_a_raising_objective_fails_only_its_members_and_the_others_equal_their_solo_runs(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "bad.py").write_text(BAD_OBJECTIVES)
    registry = load_plugins(plugins)
    text = suite_text(["lsgan", "raises", "minimax"], seeds="[0]")
    together, alone, results = run_grouped_and_alone(tmp_path, text, registry)
    assert [str(r["status"]) for r in results] == ["complete", "error", "complete"]
    failed = tmp_path / "together" / next(n for n in together if "raises" in n)
    assert "generator loss exploded on purpose" in (failed / "error.txt").read_text()
    assert any("restarting from its last checkpoint" in line for line in results[0]["logs"])
    del together[failed.name], alone[failed.name]
    assert_close(together, alone, rel=1e-9)


# ---------------------------------------------------------------- grouping


def test_a_suite_groups_by_model_shape_critic_steps_and_budget(registry):
    suite = load_suite(ROOT / "suites" / "mixtures.toml", registry)
    plan = plan_groups(suite.trials, registry, 64, "cpu", jobs=1)
    by_objective = [sorted({t.objective.name for t in g}) for g in plan.groups]
    assert sorted(map(len, plan.groups)) == [12, 18]
    assert sorted(by_objective) == [["hinge", "wgan-gp"], ["lsgan", "minimax", "nonsaturating"]]
    assert [len(g) for g in plan_groups(suite.trials, registry, "off", "cpu", 2).groups] == [1] * 30
    capped = plan_groups(suite.trials, registry, 4, "cpu", jobs=1)
    assert max(map(len, capped.groups)) <= 4 and sum(map(len, capped.groups)) == 30
    # with two parallel jobs the work is split so that each has a share
    assert len(plan_groups(suite.trials, registry, 64, "cpu", jobs=2).groups) >= 3


def test_a_model_that_does_not_vectorise_trains_alone(tmp_path, monkeypatch, registry):
    from ganbench.models.mlp import MLP

    suite_file = tmp_path / "vec.toml"
    suite_file.write_text(suite_text(["minimax", "lsgan"], seeds="[0, 1]"))
    trials = load_suite(suite_file, registry).trials
    monkeypatch.setattr(MLP, "vectorizes", False)
    assert [len(g) for g in plan_groups(trials, registry, 64, "cuda", 1).groups] == [1, 1, 1, 1]


def test_model_listing_says_which_models_vectorise(run_cli):
    code, out, _ = run_cli("list", "models")
    assert code == 0
    table = out.split("options of each model")[0]
    rows = {line.split()[0]: line for line in table.splitlines() if line.startswith(("mlp", "dcgan"))}
    assert "yes" in rows["mlp"] and "yes" in rows["dcgan"]


def test_a_nonsense_vectorize_option_is_refused(run_cli, tmp_path):
    with pytest.raises(SystemExit) as exc:
        run_cli("run", tmp_path / "x.toml", "--vectorize", "sometimes")
    assert exc.value.code == 2


# ---------------------------------------------------------------- kill -9, then resume with another grouping


@pytest.fixture(scope="module")
def vectorized_reference(tmp_path_factory):
    """The faults suite run uninterrupted in one group: what every interrupted run must reproduce."""
    root = tmp_path_factory.mktemp("vectorized-reference")
    suite = root / "faults.toml"
    suite.write_text(FAULTS_SUITE.format(steps=400))
    reference = start(suite, root / "reference", "--jobs", "1", "--vectorize", "4")
    assert reference.wait(timeout=600) == 0, reference.communicate()
    return suite, snapshot(root / "reference" / "faults")


@pytest.mark.parametrize(("first", "second"), [("4", "off"), ("off", "4")])
def test_kill_9_in_a_vectorized_run_then_rerun_with_another_grouping_matches_an_uninterrupted_run(
    vectorized_reference, tmp_path, first, second
):
    suite, expected = vectorized_reference
    out = tmp_path / "out"
    proc = start(suite, out, "--jobs", "1", "--vectorize", first)
    wait_for_checkpoint(out / "faults", proc, at_least=kill_point(400))
    time.sleep(random.uniform(0.0, 0.2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(list((out / "faults").glob("*/DONE"))) < 4, "the kill came after the run ended"
    again = start(suite, out, "--jobs", "1", "--vectorize", second)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "resuming from step" in err
    assert snapshot(out / "faults") == expected


GRID_FAILS = textwrap.dedent(
    """
    import dataclasses
    from typing import ClassVar
    import ganbench

    @dataclasses.dataclass(frozen=True)
    class GridFails(ganbench.Metric):
        name: ClassVar[str] = "grid-fails"
        outputs: ClassVar[dict] = {"spread": "min"}

        def compute(self, *, real, fake, dataset):
            if dataset.name == "grid":
                raise ValueError("this metric refuses grids")
            return {"spread": float(fake.std())}

    @ganbench.hookimpl
    def register_metrics(register):
        register(GridFails)
    """
)


def test_metrics_in_the_background_give_what_metrics_in_line_give(tmp_path):
    """Overlapping evaluation with training (the default on accelerators) changes no number,
    and a metric that raises fails only the members it measured, in the background too."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "bad.py").write_text(BAD_OBJECTIVES)
    (plugins / "metric.py").write_text(GRID_FAILS)
    registry = load_plugins(plugins)
    text = suite_text(["nonsaturating", "explodes", "lsgan"], seeds="[0, 1]")
    text = text.replace('metrics = ["modes", ', 'metrics = ["grid-fails", "modes", ')
    text += '\n[[datasets]]\nname = "grid"\n'
    suite_file = tmp_path / "vec.toml"
    suite_file.write_text(text)
    trials = load_suite(suite_file, registry).trials
    outcomes = {}
    for overlap, threads in ((False, 1), (True, 1), (True, 3)):
        paths = [tmp_path / f"{overlap}-{threads}" / t.id for t in trials]
        options = EngineOptions(overlap=overlap, metric_threads=threads)
        results = train_trials(trials, [str(p) for p in paths], "cpu", registry, options)
        outcomes[overlap, threads] = ([str(r["status"]) for r in results], histories(paths))
    statuses, inline = outcomes[False, 1]
    assert statuses == ["complete"] * 2 + ["diverged"] * 2 + ["complete"] * 2 + ["error"] * 6
    for other in ((True, 1), (True, 3)):
        assert outcomes[other][0] == statuses
        assert json.dumps(outcomes[other][1], sort_keys=True) == json.dumps(inline, sort_keys=True)


MEETS = textwrap.dedent(
    """
    import dataclasses
    import threading
    from typing import ClassVar
    import ganbench

    #: two computations must be in progress at once to pass (an evaluation of two members)
    BARRIER = threading.Barrier(2, timeout=20)

    @dataclasses.dataclass(frozen=True)
    class Meets(ganbench.Metric):
        name: ClassVar[str] = "meets"
        outputs: ClassVar[dict] = {"met": "max"}

        def compute(self, *, real, fake, dataset):
            BARRIER.wait()
            return {"met": 1.0}

    @ganbench.hookimpl
    def register_metrics(register):
        register(Meets)
    """
)


@pytest.mark.parametrize("threads", [1, 2])
def test_metric_threads_measure_the_members_of_an_evaluation_at_once(tmp_path, threads):
    """With two metric threads, the two members' metrics are computed at the same time (each
    waits for the other); with one, the first waits alone, times out and fails its member."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "meets.py").write_text(MEETS.replace("timeout=20", "timeout=20" if threads == 2 else "timeout=0.5"))
    registry = load_plugins(plugins)
    suite_file = tmp_path / "vec.toml"
    suite_file.write_text(
        suite_text(["nonsaturating"], seeds="[0, 1]").replace('metrics = ["modes", ', 'metrics = ["meets", ')
    )
    trials = load_suite(suite_file, registry).trials
    paths = [str(tmp_path / "out" / t.id) for t in trials]
    results = train_trials(trials, paths, "cpu", registry, EngineOptions(overlap=True, metric_threads=threads))
    statuses = [str(r["status"]) for r in results]
    assert statuses == (["complete", "complete"] if threads == 2 else ["error", "error"])


def test_ganbench_run_hands_its_metric_threads_to_the_engine(tmp_path, run_cli, monkeypatch):
    """The threads ``ganbench run`` chooses (one per CPU of a job's share on an accelerator)
    reach the engine: here two, so the two members' metrics meet (see above)."""
    from ganbench.runner import sizing

    monkeypatch.setattr(sizing, "metric_threads", lambda device, jobs, cpus: 2)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "meets.py").write_text(MEETS)
    suite_file = tmp_path / "vec.toml"
    suite_file.write_text(
        suite_text(["nonsaturating"], seeds="[0, 1]").replace('metrics = ["modes", ', 'metrics = ["meets", ')
    )
    out = tmp_path / "out"
    code, _, err = run_cli("run", suite_file, "--plugins-dir", plugins, "--out", out, "--jobs", "1", "--vectorize", "2")
    assert code == 0, err  # 1 if a member's metric had waited alone and failed
