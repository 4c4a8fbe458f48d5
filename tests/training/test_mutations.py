"""Mutation tests: one-line breakages of the trainer, an objective or the evaluation, each of
which the default test run must catch.

Each case copies the package and the tests to a temporary directory, applies one change
to the copy, and runs the default tests that should catch it there (a subprocess whose
``PYTHONPATH`` puts the copy first, so CLI subprocesses run the copy too). The case
passes when those tests fail. Slow (a pytest run per mutation): ``pytest -m slow
tests/training/test_mutations.py``, which CI runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.helpers.project import ROOT

pytestmark = pytest.mark.slow


class Mutation(NamedTuple):
    file: str
    old: str
    new: str
    tests: tuple[str, ...]  # the default tests that must catch it


MUTATIONS = {
    "the penalty term dropped from the critic's loss": Mutation(
        "ganbench/stacking/losses.py",
        "if span.penalty is not None and span.weight is not None:",
        "if False:",
        ("tests/training/test_training_wiring.py::test_a_penalty_enters_the_critic_loss_times_its_weight",),
    ),
    "the penalty's weight ignored": Mutation(
        "ganbench/stacking/losses.py",
        "loss = loss + span.weight * value",
        "loss = loss + value",
        ("tests/training/test_training_wiring.py::test_a_penalty_enters_the_critic_loss_times_its_weight",),
    ),
    "weight clipping dropped": Mutation(
        "ganbench/stacking/losses.py",
        "if clip is not None:",
        "if False:",
        ("tests/training/test_training_wiring.py::test_weight_clipping_keeps_every_critic_parameter_within_the_bound",),
    ),
    "a span's losses computed in one call on the CPU": Mutation(
        "ganbench/stacking/losses.py",
        "if s.stop - s.start == 1 or not on_cpu or given[0].shape[-1] % CPU_VECTOR_MULTIPLE == 0:",
        "if True:",
        (
            "tests/training/test_vectorized.py::"
            "test_on_the_cpu_seeds_sharing_a_span_train_as_they_train_alone_at_any_batch_size",
        ),
    ),
    "real and fake swapped in the evaluated estimate": Mutation(
        "ganbench/training/evaluate.py",
        "span.objective.estimate(_alone(out_real, k), _alone(out_fake, k))",
        "span.objective.estimate(_alone(out_fake, k), _alone(out_real, k))",
        ("tests/training/test_learning.py",),
    ),
    "RaGAN's generator loss not swapped": Mutation(
        "ganbench/objectives/relativistic.py",
        "return _relativistic_loss(fake, real)",
        "return _relativistic_loss(real, fake)",
        ("tests/objectives/test_objectives.py", "tests/training/test_learning.py"),
    ),
    "a sign flip on RaGAN's relativistic term": Mutation(
        "ganbench/objectives/relativistic.py",
        "mean(F.softplus(second_mean - first))",
        "mean(F.softplus(first - second_mean))",
        ("tests/objectives/test_objectives.py", "tests/training/test_learning.py"),
    ),
    "n_critic ignored": Mutation(
        "ganbench/training/group.py",
        "for _ in range(self.n_critic):",
        "for _ in range(1):",
        ("tests/training/test_training_wiring.py::test_critic_steps_learning_rates_and_betas_reach_the_optimisers",),
    ),
    "the generator step left out": Mutation(
        "ganbench/training/group.py",
        "        self.opt_g.step(torch.autograd.grad(loss_g.sum(), self.gen.params))\n",
        "        pass\n",
        ("tests/training/test_training_wiring.py::test_critic_steps_learning_rates_and_betas_reach_the_optimisers",),
    ),
    "the two learning rates swapped": Mutation(
        "ganbench/training/checkpoint.py",
        "opt_g = StackedAdam(gen.params, [h.lr_g], [h.betas])",
        "opt_g = StackedAdam(gen.params, [h.lr_d], [h.betas])",
        ("tests/training/test_training_wiring.py::test_critic_steps_learning_rates_and_betas_reach_the_optimisers",),
    ),
    "evaluation drawing from the training stream": Mutation(
        "ganbench/training/evaluate.py",
        "g = torch.Generator().manual_seed(eval_seed(m.trial.seed, step))",
        "g = group.draws.generators[group.members.index(m)]",
        ("tests/training/test_training_wiring.py::test_the_evaluation_schedule_never_changes_the_training_path",),
    ),
    "members of a group sharing one random stream": Mutation(
        "ganbench/stacking/draws.py",
        "MemberDraws([g for d in draws for g in d.generators],",
        "MemberDraws([draws[0].generators[0] for d in draws for g in d.generators],",
        ("tests/training/test_vectorized.py::test_every_objective_trained_in_one_group_equals_each_trained_alone",),
    ),
    "Adam without bias correction": Mutation(
        "ganbench/stacking/adam.py",
        "bias1 = 1.0 - beta1.pow(self.steps)",
        "bias1 = torch.ones_like(beta1)",
        ("tests/training/test_vectorized.py::test_the_stacked_adam_is_k_separate_torch_adams",),
    ),
    "the fused Adam's step count stuck at one": Mutation(
        "ganbench/stacking/adam.py",
        "step = torch.tensor(float(self.steps), device=self.params[0].device)",
        "step = torch.tensor(1.0, device=self.params[0].device)",
        ("tests/training/test_vectorized.py::test_the_stacked_adam_is_k_separate_torch_adams",),
    ),
    "freed CPU memory given back at every step": Mutation(
        "ganbench/training/engine.py",
        "    keep_freed_memory()\n",
        "    pass\n",
        ("tests/training/test_memory.py::test_cpu_training_keeps_freed_memory",),
    ),
    "the fused Adam given non-contiguous gradients": Mutation(
        "ganbench/stacking/adam.py",
        "grad_rows = _rows([g.contiguous() for g in grads])",
        "grad_rows = _rows(list(grads))",
        ("tests/training/test_vectorized.py::test_the_stacked_adam_is_k_separate_torch_adams",),
    ),
    "a packed critic step drawing batch_size real samples, not batch_size·pack": Mutation(
        "ganbench/training/group.py",
        "real = pack(self.draws.data(self.datasets, self.batch * m), m)",
        "real = pack(self.draws.data(self.datasets, self.batch), m)",
        (
            "tests/training/test_packing.py::"
            "test_a_packed_training_step_draws_batch_times_m_samples_and_scores_packs_of_m",
        ),
    ),
    "a packed generator step drawing batch_size latents, not batch_size·pack": Mutation(
        "ganbench/training/group.py",
        "z = self.draws.normal(self.batch * self.pack, *self.latent)",
        "z = self.draws.normal(self.batch, *self.latent)",
        (
            "tests/training/test_packing.py::"
            "test_a_packed_training_step_draws_batch_times_m_samples_and_scores_packs_of_m",
        ),
    ),
    "pack sizes sharing a group": Mutation(
        "ganbench/training/grouping.py",
        '        "pack": parts.hyper.pack,\n',
        "",
        (
            "tests/training/test_packing.py::"
            "test_packed_members_in_a_group_equal_their_solo_runs_and_pack_sizes_never_share_a_group",
        ),
    ),
    "pack 1 recorded in the resolved trial": Mutation(
        "ganbench/config.py",
        "if self.pack == 1:",
        "if False:",
        (
            "tests/training/test_packing.py::"
            "test_pack_1_given_explicitly_is_the_trial_without_packing_id_and_config_alike",
        ),
    ),
    "real and fake packs swapped in the packed critic's estimate": Mutation(
        "ganbench/training/evaluate.py",
        "d_fake.append(critic(pack(fake[:, at].to(device=device, dtype=dtype), size)).cpu())",
        "d_fake.append(critic(pack(real[:, at].to(device=device, dtype=dtype), size)).cpu())",
        ("tests/training/test_packing.py::test_a_packed_critics_estimate_reads_the_evaluation_samples_two_at_a_time",),
    ),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the tests need: the package, the tests, the suites and the project file."""
    copy = tmp_path_factory.mktemp("pristine")
    for name in ("ganbench", "tests", "suites", "benchmarks", "plugins"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    return copy


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_default_tests_catch_a_one_line_breakage(pristine: Path, tmp_path: Path, name: str) -> None:
    mutation = MUTATIONS[name]
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    target = copy / mutation.file
    text = target.read_text()
    assert text.count(mutation.old) == 1, f"{mutation.file}: the line to change is not there once: {mutation.old!r}"
    target.write_text(text.replace(mutation.old, mutation.new))
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider", *mutation.tests],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 1, f"{name}: the tests did not fail (exit {proc.returncode})\n{proc.stdout[-3000:]}"
