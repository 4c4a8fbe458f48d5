"""ganbench's own trainer learns: generators find the modes of the ring, and critics trained
on a fixed pair of distributions estimate each objective's divergence from the right side.

Budgets and tolerances were sized by measurement over seeds 0-9 (every seed passed; see
each test), then a few seeds are fixed here. True values come from ``tests/helpers/reference.py``
(quadrature, independent of the objective code). Everything runs through
:func:`ganbench.training.train_trials`, the code path of ``ganbench run``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from ganbench.plugins import load_plugins
from ganbench.suite import load_suite
from ganbench.training import EngineOptions, train_trials
from tests.helpers import fixed_pair, reference


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


def train(tmp_path: Path, text: str, registry) -> dict[tuple[str, int], list[dict[str, float]]]:
    """Train a suite's trials (as ``ganbench run`` groups them); histories by (label, seed)."""
    (tmp_path / "s.toml").write_text(text)
    trials = load_suite(tmp_path / "s.toml", registry).trials
    paths = [tmp_path / t.id for t in trials]
    results = train_trials(trials, [str(p) for p in paths], "cpu", registry, EngineOptions())
    assert [str(r["status"]) for r in results] == ["complete"] * len(trials)
    out = {}
    for trial, path in zip(trials, paths, strict=True):
        rows = (path / "history.jsonl").read_text().splitlines()
        out[(trial.objective.label, trial.seed)] = [json.loads(line) for line in rows]
    return out


# ---------------------------------------------------------------- the ring

RING = """
name = "learning-ring"
seeds = [0, 4]
metrics = [{{ name = "modes", threshold = 3.0 }}, {{ name = "wasserstein", samples = 1000 }}]
[train]
steps = {steps}
batch_size = 256
eval_every = {every}
eval_samples = 1000
snapshot_samples = 0
[model]
name = "mlp"
width = 64
depth = 2
[[datasets]]
name = "ring"
modes = 8
radius = 4.0
sigma = 0.1
[[objectives]]
name = "minimax"
lr_g = 2e-3
lr_d = 2e-3
[[objectives]]
name = "nonsaturating"
lr_g = 2e-3
lr_d = 2e-3
"""


def test_minimax_and_non_saturating_gans_find_the_modes_of_the_ring(tmp_path):
    """Ring of 8 (radius 4, σ 0.1), 1,000 steps of batch 256, Adam 2e-3. Measured over seeds
    0-9: every run captured at least 6 of the 8 modes (19 of 20 all 8), and at some
    evaluation its Wasserstein distance to the data fell to at most 1/5.2 of step 0's
    (median 1/7.4): the 5× asked for holds on every seed. Seeds 0 and 4 are kept."""
    histories = train(tmp_path, RING.format(steps=1000, every=100), load_plugins(None))
    for (objective, seed), history in histories.items():
        assert history[-1]["modes_captured"] >= 6, (objective, seed)
        best = min(r["wasserstein"] for r in history)
        assert best <= history[0]["wasserstein"] / 5, (objective, seed, history[0]["wasserstein"], best)


# ---------------------------------------------------------------- a critic on a fixed pair

OBJECTIVES = (
    "minimax nonsaturating hinge wgan-clip lsgan ragan "
    "kl reverse-kl pearson neyman hellinger jeffrey fgan-js fgan-gan tv"
).split()

FIXED = """
name = "learning-fixed"
seeds = [0]
metrics = ["energy"]
[train]
steps = 1500
batch_size = 256
eval_every = 1500
eval_samples = 100000
snapshot_samples = 0
[model]
name = "frozen-shift"
shift = 1.0
width = 32
[[datasets]]
name = "normal"
"""


def truths() -> dict[str, float]:
    """True values of what each objective reports, P = N(0, 1) (data), Q = N(1, 1)."""
    fd, jsd = reference.f_divergence, reference.jsd()
    return {
        **{name: fd(name) for name in ("kl", "reverse-kl", "pearson", "neyman", "hellinger", "jeffrey")},
        "minimax": jsd,
        "nonsaturating": jsd,
        "fgan-js": 2 * jsd,
        "fgan-gan": 2 * jsd - math.log(4),
        "tv": reference.total_variation(),
        "hinge": reference.total_variation(),
        "lsgan": reference.triangular_discrimination(),
    }


#: how far below the truth a trained critic may land, as a fraction of |truth|. Measured worst
#: over seeds 0-9: Neyman χ² 22 % (its critic cannot learn the tail where P has no samples),
#: hinge 7.2 %, Pearson χ² 4.4 %, KL and reverse KL 3.1 %, all others 2.5 % or less.
BELOW = {"neyman": 0.30, "hinge": 0.12, "pearson": 0.08}
BELOW_DEFAULT = 0.05
#: how far above: the Monte-Carlo error of 10⁵ held-out samples (a bound holds in expectation);
#: measured worst 1.3 % (Pearson χ²), 0.5 % or less for the others
ABOVE_DEFAULT = 0.03


def test_every_objectives_trained_critic_estimates_its_divergence_from_below(tmp_path):
    """A generator frozen at N(1, 1), data N(0, 1): each objective trains only its critic
    (n_critic 1, lr 2e-3), all fifteen in one group, through the trainer's code path.
    A critic's estimate is a lower bound on its divergence: the estimate must land below the
    truth (up to Monte-Carlo error) and within the stated tolerance of it."""
    registry = load_plugins(None, extra=[fixed_pair])
    blocks = "".join(f'\n[[objectives]]\nname = "{o}"\nn_critic = 1\nlr_d = 2e-3\n' for o in OBJECTIVES)
    histories = train(tmp_path, FIXED + blocks, registry)
    estimates = {label: history[-1]["estimate"] for (label, _), history in histories.items()}
    for name, truth in truths().items():
        below, above = BELOW.get(name, BELOW_DEFAULT), ABOVE_DEFAULT
        assert truth - below * abs(truth) <= estimates[name] <= truth + above * abs(truth), (name, truth)
    # no closed form: WGAN-clip estimates K·W1 for the clipped critic's unknown Lipschitz constant
    # K, so only its orientation is checked; RaGAN's value lies in (0, log 4) when P ≠ Q
    assert estimates["wgan-clip"] > 0
    assert 0.5 < estimates["ragan"] < math.log(4)


def test_the_frozen_generator_of_the_fixed_pair_does_not_move(tmp_path):
    """The premise of the test above: only the critic trains."""
    registry = load_plugins(None, extra=[fixed_pair])
    text = FIXED.replace("steps = 1500", "steps = 20").replace("eval_every = 1500", "eval_every = 20")
    text = text.replace("eval_samples = 100000", "eval_samples = 1000") + '\n[[objectives]]\nname = "kl"\n'
    train(tmp_path, text, registry)
    (trial_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    ck = torch.load(trial_dir / "checkpoint.pt", weights_only=True)
    assert torch.equal(ck["generator"]["anchor"], torch.zeros(1))
    assert ck["opt_g"]["steps"] == 20  # it was updated, by exactly nothing


WGAN = """
name = "learning-wgan"
seeds = [0, 6]
metrics = ["energy"]
[train]
steps = 300
batch_size = 256
eval_every = 300
eval_samples = 100000
snapshot_samples = 0
[model]
name = "frozen-shift"
shift = 3.0
dim = 2
width = 32
[[datasets]]
name = "normal"
dim = 2
[[objectives]]
name = "wgan-gp"
lr_d = 1e-3
"""


def test_the_wgan_gp_critic_estimates_the_wasserstein_distance_of_two_separated_gaussians(tmp_path):
    """P = N(0, I), Q = N(3e₁, I) in the plane: W1 = 3 (a translation). The gradient penalty is
    soft: for an affine critic of slope s the penalised loss is -3s + λ(s - 1)², least at
    s = 1 + 3/(2λ), so the estimate tends to W1 + W1²/(2λ) = 3.45 at λ = 10, above W1 by the
    penalty's slack and never below it. Measured over seeds 0-9 (300 steps, n_critic 5,
    lr 1e-3): 3.35 to 3.55, within 3.1 % of 3.45. (In one dimension the critic can be caught
    with slope -1, behind a barrier of the penalty at slope 0; in the plane it turns.)"""
    histories = train(tmp_path, WGAN, load_plugins(None, extra=[fixed_pair]))
    w1, lam = 3.0, 10.0
    for key, history in histories.items():
        estimate = history[-1]["estimate"]
        assert estimate > w1, key
        assert estimate == pytest.approx(w1 + w1**2 / (2 * lam), rel=0.05), key
