"""Fresh critics that judge a frozen generator: one per objective, trained as one program.

Given samples of the data and of a generator, each split into a training pool and a
held-out set, K critics of one architecture, one per *judge* (an objective, with its
penalty and weight clipping), train together the way the trainer trains a group: their
parameters are stacked (:class:`~ganbench.stacking.nets.StackedNet`), one
:class:`~ganbench.stacking.adam.StackedAdam` updates them all, and each critic's loss and
penalty come from :func:`~ganbench.stacking.losses.critic_losses`, the function a training
step uses. Critic k draws its minibatches and penalty coefficients from its own
``torch.Generator``, and its initial parameters from torch's default initialisation under
its own seed, so a critic trained with others equals the same critic trained alone.

After ``steps`` updates, each critic's variational estimate is its objective's own
``estimate`` of the critic outputs on the *held-out* samples, with a bootstrap standard
error (the held-out samples resampled, the critic fixed). The estimates are read with an
exponential moving average of each critic's parameters (``average``, bias-corrected; 0 reads
the last iterate): Adam's last iterate jitters around the optimum, and that jitter lowers a
variational estimate by more than its standard error (at P = Q, measured: the least-squares
critic by up to 4 standard errors without the average). Along the way the held-out
estimate is recorded at ``checkpoints`` evenly spaced steps: ``change`` is the estimate's
change over the last ``window`` of the steps, and an estimate is *converged* when that
change is within ``max(tolerance·|estimate|, standard error)``.

A trained critic gives a lower bound: for any fixed critic, the expected held-out
estimate is at most the divergence (Nowozin et al. 2016, eq. 4), so over-fitting the
training pool makes the bound looser, never invalid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from ganbench.objectives.base import Objective, Penalty
from ganbench.stacking.adam import StackedAdam
from ganbench.stacking.draws import MemberDraws, stream_seed
from ganbench.stacking.losses import Span, blame, clip_bounds, critic_losses, critic_update
from ganbench.stacking.nets import StackedNet


@dataclasses.dataclass(frozen=True)
class Judge:
    """One independent critic: trained by ``objective``'s critic loss, plus ``weight``·``penalty``,
    its weights clipped to ±``clip`` (0: not clipped)."""

    name: str
    objective: Objective
    penalty: Penalty | None = None
    weight: float = 0.0
    clip: float = 0.0


@dataclasses.dataclass(frozen=True)
class CriticSettings:
    """How the critics train and how their curves are read."""

    steps: int = 1000
    batch_size: int = 256
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    checkpoints: int = 10  # held-out estimates recorded along the way (the curve)
    window: float = 0.2  # the last fraction of the steps over which the change is read
    tolerance: float = 0.02  # relative change allowed in that window for "converged"
    bootstrap: int = 200  # resamples of the held-out set for the standard error
    average: float = 0.98  # decay of the moving average of the parameters the estimates are read with


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One critic's held-out estimate, its standard error and its curve."""

    name: str
    estimate: float
    se: float
    change: float
    converged: bool
    curve: tuple[tuple[int, float], ...]


def critic_seed(seed: int, name: str) -> int:
    """The seed of judge ``name``'s initial parameters, from the evaluation's seed."""
    return stream_seed(seed, f"critic-init:{name}")


def draws_seed(seed: int, name: str) -> int:
    """The seed of judge ``name``'s minibatches and penalty coefficients."""
    return stream_seed(seed, f"critic-draws:{name}")


def build_critics(build: Callable[[], nn.Module], names: Sequence[str], seed: int, dtype: torch.dtype) -> StackedNet:
    """One critic per name, stacked: each initialised by ``build()`` with torch's default
    CPU generator seeded from (``seed``, name), whose state is restored afterwards, so no
    other random stream (training's included) sees a difference."""
    modules = []
    for name in names:
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(critic_seed(seed, name))
            modules.append(build())
    return StackedNet.stack(modules, "cpu", dtype)


@dataclasses.dataclass(frozen=True)
class Panel:
    """Fresh critics of the architecture ``build()`` makes, one per judge, trained under
    ``settings``; ``seed`` fixes every random number they use."""

    build: Callable[[], nn.Module]
    judges: Sequence[Judge]
    settings: CriticSettings
    seed: int

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.judges]


@dataclasses.dataclass
class Trained:
    """Critics after training: the stack (member k is judge k's critic), each judge's span,
    and the held-out estimates (K,) recorded at the curve's steps."""

    critic: StackedNet
    spans: list[Span]
    curve: list[tuple[int, Tensor]]


def train_critics(panel: Panel, train: tuple[Tensor, Tensor], held_out: tuple[Tensor, Tensor]) -> Trained:
    """Train the panel's critics on the pools ``train`` = (real, fake), recording their
    held-out estimates along the way; every tensor (N, *sample_shape), on the CPU, in the
    precision the critics train in."""
    real, fake = train
    judges, settings, seed = panel.judges, panel.settings, panel.seed
    names = panel.names
    k = len(judges)
    critic = build_critics(panel.build, names, seed, real.dtype)
    opt = StackedAdam(critic.params, [settings.lr] * k, [settings.betas] * k)
    gens = [torch.Generator().manual_seed(draws_seed(seed, name)) for name in names]
    draws = MemberDraws(gens, "cpu", real.dtype)
    spans = [_span(i, j, critic.params[0]) for i, j in enumerate(judges)]
    clip = clip_bounds([j.clip for j in judges], critic.params[0])
    marks = _checkpoints(settings)
    curve: list[tuple[int, Tensor]] = []
    b = settings.batch_size
    # the moving average, before bias correction
    total = [torch.zeros_like(p, requires_grad=False) for p in critic.params]
    for step in range(1, settings.steps + 1):
        idx_real = torch.stack([torch.randint(len(real), (b,), generator=g) for g in gens])
        idx_fake = torch.stack([torch.randint(len(fake), (b,), generator=g) for g in gens])
        loss = critic_losses(critic, spans, real[idx_real], fake[idx_fake], draws)
        critic_update(critic, opt, loss, clip)
        with torch.no_grad():
            torch._foreach_lerp_(total, critic.params, 1.0 - settings.average)
        if step in marks:
            curve.append((step, estimates(_averaged(critic, total, settings.average, step), spans, *held_out)))
    return Trained(_averaged(critic, total, settings.average, settings.steps), spans, curve)


def _averaged(critic: StackedNet, total: Sequence[Tensor], decay: float, step: int) -> StackedNet:
    """The critics whose parameters are the moving average after ``step`` updates, bias-corrected
    as Adam corrects its moments: a weighted mean of the iterates, weights decay^(step - t)
    (a convex combination, so clipped critics stay within their bound). ``decay`` 0 is the
    last iterate itself."""
    if decay == 0.0:
        return critic
    return critic.with_params(tuple(t / (1.0 - decay**step) for t in total))


def verdicts(panel: Panel, trained: Trained, held_out: tuple[Tensor, Tensor]) -> list[Verdict]:
    """Each critic's final held-out estimate, its bootstrap standard error, its change over
    the last window of its curve and whether it converged."""
    settings = panel.settings
    steps = [s for s, _ in trained.curve]
    final = trained.curve[-1][1]
    se_seed = stream_seed(panel.seed, "critic-bootstrap")
    se = _bootstrap_se(trained.critic, trained.spans, held_out, settings.bootstrap, se_seed)
    start = trained.curve[steps.index(_window_start(settings, steps))][1]
    out = []
    for i, name in enumerate(panel.names):
        value, err = float(final[i]), float(se[i])
        change = value - float(start[i])
        ok = bool(torch.isfinite(final[i])) and abs(change) <= max(settings.tolerance * abs(value), err)
        points = tuple((s, float(c[i])) for s, c in trained.curve)
        out.append(Verdict(name, value, err, change, ok, points))
    return out


def judge(panel: Panel, train: tuple[Tensor, Tensor], held_out: tuple[Tensor, Tensor]) -> list[Verdict]:
    """:func:`train_critics`, then their :func:`verdicts`."""
    return verdicts(panel, train_critics(panel, train, held_out), held_out)


def _span(i: int, j: Judge, like: Tensor) -> Span:
    weight = torch.tensor([j.weight], device=like.device, dtype=like.dtype) if j.penalty is not None else None
    return Span(slice(i, i + 1), j.objective, j.penalty, weight, needs_real=False)


def _checkpoints(settings: CriticSettings) -> set[int]:
    """Steps at which the held-out estimate is recorded: ``checkpoints`` evenly spaced, the last one included."""
    n = max(1, min(settings.checkpoints, settings.steps))
    return {max(1, round(settings.steps * c / n)) for c in range(1, n + 1)}


def _window_start(settings: CriticSettings, steps: list[int]) -> int:
    """The recorded step at which the last window starts: the latest at or before
    (1 - window)·steps, or the first recorded one."""
    at = settings.steps * (1.0 - settings.window)
    before = [s for s in steps if s <= at]
    return before[-1] if before else steps[0]


@torch.no_grad()
def outputs(critic: StackedNet, x: Tensor, chunk: int = 8192) -> Tensor:
    """Every critic's outputs (K, N) on the same samples ``x`` (N, ...)."""
    k = critic.members
    parts = [critic(x[i : i + chunk].unsqueeze(0).expand(k, *x[i : i + chunk].shape)) for i in range(0, len(x), chunk)]
    return torch.cat(parts, dim=1)


def estimates(critic: StackedNet, spans: Sequence[Span], real: Tensor, fake: Tensor) -> Tensor:
    """Each critic's estimate (K,) on the held-out samples, by its objective's ``estimate``."""
    out_real, out_fake = outputs(critic, real), outputs(critic, fake)
    values = torch.empty(critic.members, dtype=out_real.dtype)
    with torch.no_grad():
        for span in spans:
            with blame(span.members):
                values[span.members] = span.objective.estimate(out_real[span.members], out_fake[span.members])
    return values


@torch.no_grad()
def _bootstrap_se(
    critic: StackedNet, spans: Sequence[Span], held_out: tuple[Tensor, Tensor], resamples: int, seed: int
) -> Tensor:
    """Standard error of each estimate over the held-out samples: the standard deviation of
    the estimate over ``resamples`` bootstrap resamples (real and fake resampled
    independently, the critic fixed). Objectives' estimates take leading dimensions, so each
    objective computes all its resamples in one call."""
    real, fake = held_out
    out_real, out_fake = outputs(critic, real), outputs(critic, fake)
    g = torch.Generator().manual_seed(seed)
    idx_real = torch.randint(out_real.shape[1], (resamples, out_real.shape[1]), generator=g)
    idx_fake = torch.randint(out_fake.shape[1], (resamples, out_fake.shape[1]), generator=g)
    se = torch.empty(critic.members, dtype=out_real.dtype)
    for span in spans:
        for k in range(span.members.start, span.members.stop):
            with blame(span.members):
                values = span.objective.estimate(out_real[k][idx_real], out_fake[k][idx_fake])
            se[k] = values.std() if resamples > 1 else float("nan")
    return se
