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

Every ``check_every`` updates (and at ``max_steps``) each critic's held-out estimate is
read, with a bootstrap standard error (the held-out samples resampled, the critic fixed),
by its objective's own ``estimate``. The estimates are read with an exponential moving
average of each critic's parameters (``average``, bias-corrected; 0 reads the last
iterate): Adam's last iterate jitters around the optimum, and that jitter lowers a
variational estimate by more than its standard error (at P = Q, measured: the
least-squares critic by up to 4 standard errors without the average).

The budget is convergence-driven (:func:`settled_at`): a critic has *converged* at the first
check c at least ``window`` and ``rising`` checks in whose estimate moved by at most its standard error
over the last ``window`` checks, |e_c - e_(c-window)| <= se_c, and did not rise at each of
its last ``rising`` checks (:func:`rising`). The second condition is needed because se_c is
the sampling error of the estimate's level, which grows with a runaway estimate (a KL
critic facing a missed mode of weight w estimates about w·T at output scale T, with se about
T·sqrt(w(1 - w)/n)), so a steadily growing estimate would otherwise pass the first condition
once its growth per window falls below a fixed fraction of itself: an estimate that is still
rising has not converged, whatever the divergence. Its reported estimate and standard error
are those of the check where it converged. A judge with a finite ``ceiling`` is checked
against it at every check, converged or not: a critic whose estimate rises more than two
standard errors above its ceiling is *diverging* (see :class:`Judge`) and reports that
check, and such a critic is waited for until it diverges or ``max_steps``, so that a
converged estimate that later escapes its ceiling is never reported as finite. The batched
program stays one program: a converged critic keeps training with the others (a critic
without a ceiling is never read again; one with a ceiling is read only against it), and the
program stops once every critic is done (diverged, or converged without a ceiling), or at
``max_steps``, where an unconverged critic reports its last check: *still rising* if it rose
at each of its last ``rising`` checks (its estimate then is a lower bound that the budget cut
short), else *unconverged*. Whether a critic is done depends only on its own curve, so a
critic trained alone reports exactly what it reports trained with others.

A trained critic gives a lower bound: for any fixed critic, the expected held-out
estimate is at most the divergence (Nowozin et al. 2016, eq. 4), so over-fitting the
training pool makes the bound looser, never invalid.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
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
    its weights clipped to ±``clip`` (0: not clipped). ``ceiling``: the most its divergence can
    be while the density ratio stays within bounds the caller chooses (inf: no such bound);
    an estimate above it by more than two standard errors (or than twice the ceiling) is
    *diverging* (:func:`above`), and is not waited for."""

    name: str
    objective: Objective
    penalty: Penalty | None = None
    weight: float = 0.0
    clip: float = 0.0
    ceiling: float = math.inf


@dataclasses.dataclass(frozen=True)
class CriticSettings:
    """How the critics train and when each has converged."""

    max_steps: int = 2000  # the most updates any critic gets
    check_every: int = 50  # updates between two reads of the held-out estimates
    window: int = 2  # checks over which the change is read: converged when within one se
    rising: int = 4  # an estimate that rose at each of its last this many checks has not converged
    batch_size: int = 256
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    bootstrap: int = 200  # resamples of the held-out set for the standard error
    average: float = 0.98  # decay of the moving average of the parameters the estimates are read with


@dataclasses.dataclass(frozen=True)
class Check:
    """One read of a critic's held-out estimate: after ``step`` updates, ``estimate`` ± ``se``."""

    step: int
    estimate: float
    se: float


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One critic's held-out estimate and standard error, read at ``step`` (the check where it
    converged or rose above its ceiling, or its last one), the change over the window before
    it, and its curve; ``above_ceiling``: diverging (support mismatch); ``still_rising``: not
    converged, and its estimate rose at each of the last ``rising`` checks (a lower bound)."""

    name: str
    estimate: float
    se: float
    change: float
    converged: bool
    step: int
    curve: tuple[Check, ...]
    above_ceiling: bool = False
    still_rising: bool = False


def settled_at(curve: Sequence[Check], window: int, checks: int) -> int | None:
    """The index of the first check c >= max(``window``, ``checks``) whose estimate is finite,
    moved by at most its own standard error over the last ``window`` checks, |estimate_c -
    estimate_(c - window)| <= se_c, and did not rise at each of the ``checks`` checks up to c
    (:func:`rising`): an estimate still rising has not converged, however small its rise
    against its se, and no check before the ``checks``-th can tell. None if no check qualifies."""
    for c in range(max(window, checks), len(curve)):
        now, before = curve[c], curve[c - window]
        if math.isfinite(now.estimate) and abs(now.estimate - before.estimate) <= now.se:
            if not rising(curve[: c + 1], checks):
                return c
    return None


def stopped_at(curve: Sequence[Check], window: int, checks: int, ceiling: float) -> tuple[int | None, bool]:
    """Where a critic's curve is read, and whether it is diverging: the first check above
    ``ceiling`` (:func:`above`), whether or not the critic converged before it, with True;
    else the check where it converged (:func:`settled_at`, None if it did not), with False."""
    for c, check in enumerate(curve):
        if above(check, ceiling):
            return c, True
    return settled_at(curve, window, checks), False


def above(check: Check, ceiling: float) -> bool:
    """Whether an estimate lies above ``ceiling`` by more than two standard errors, or by more
    than twice the ceiling itself whatever its standard error (a runaway critic's standard
    error runs away with it), or is +inf or NaN (overflowed) under a finite ceiling."""
    if math.isinf(ceiling):
        return False
    if not math.isfinite(check.estimate):
        return check.estimate != -math.inf
    margin = 2.0 * (min(check.se, abs(ceiling)) if math.isfinite(check.se) else abs(ceiling))
    return check.estimate - ceiling > margin


def rising(curve: Sequence[Check], checks: int) -> bool:
    """Whether the estimate rose (strictly) at each of the last ``checks`` checks, or ended at
    +inf after rising: an estimate that still grows with the critic's budget. The size of the
    rise is not weighed against the standard error, which grows with a runaway estimate."""
    if len(curve) < checks + 1:
        return False
    tail = [c.estimate for c in curve[-(checks + 1) :]]
    return all(later > earlier for earlier, later in itertools.pairwise(tail))


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
    """Critics after training: the stack (member k is judge k's critic, at its last update),
    each judge's span, each judge's checks, and the index of the check where each stopped
    converged or rose above its ceiling (None: neither), with whether it rose above its ceiling."""

    critic: StackedNet
    spans: list[Span]
    curves: list[list[Check]]
    settled: list[int | None]
    escaped: list[bool]


def check_steps(settings: CriticSettings) -> list[int]:
    """The steps after which the held-out estimates are read: every ``check_every``, and ``max_steps``."""
    marks = list(range(settings.check_every, settings.max_steps + 1, settings.check_every))
    return marks if marks and marks[-1] == settings.max_steps else [*marks, settings.max_steps]


def train_critics(panel: Panel, train: tuple[Tensor, Tensor], held_out: tuple[Tensor, Tensor]) -> Trained:
    """Train the panel's critics on the pools ``train`` = (real, fake), reading their held-out
    estimates at :func:`check_steps` until every critic is done (diverged, or converged without a
    ceiling) or ``max_steps``; every
    tensor (N, *sample_shape), on the CPU, in the precision the critics train in."""
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
    marks = set(check_steps(settings))
    curves: list[list[Check]] = [[] for _ in judges]
    settled: list[int | None] = [None] * k
    escaped = [False] * k
    se_seed = stream_seed(seed, "critic-bootstrap")
    b = settings.batch_size
    # the moving average, before bias correction
    total = [torch.zeros_like(p, requires_grad=False) for p in critic.params]
    for step in range(1, settings.max_steps + 1):
        idx_real = torch.stack([torch.randint(len(real), (b,), generator=g) for g in gens])
        idx_fake = torch.stack([torch.randint(len(fake), (b,), generator=g) for g in gens])
        loss = critic_losses(critic, spans, real[idx_real], fake[idx_fake], draws)
        critic_update(critic, opt, loss, clip)
        with torch.no_grad():
            torch._foreach_lerp_(total, critic.params, 1.0 - settings.average)
        if step in marks:
            averaged = _averaged(critic, total, settings.average, step)
            value, se = read(averaged, spans, held_out, settings.bootstrap, se_seed)
            for i, curve in enumerate(curves):
                curve.append(Check(step, float(value[i]), float(se[i])))
                settled[i], escaped[i] = stopped_at(curve, settings.window, settings.rising, judges[i].ceiling)
            done = zip(settled, escaped, judges, strict=True)
            if all(up or (at is not None and math.isinf(j.ceiling)) for at, up, j in done):
                break
    return Trained(critic, spans, curves, settled, escaped)


def _averaged(critic: StackedNet, total: Sequence[Tensor], decay: float, step: int) -> StackedNet:
    """The critics whose parameters are the moving average after ``step`` updates, bias-corrected
    as Adam corrects its moments: a weighted mean of the iterates, weights decay^(step - t)
    (a convex combination, so clipped critics stay within their bound). ``decay`` 0 is the
    last iterate itself."""
    if decay == 0.0:
        return critic
    return critic.with_params(tuple(t / (1.0 - decay**step) for t in total))


def verdicts(panel: Panel, trained: Trained) -> list[Verdict]:
    """Each critic's held-out estimate and standard error at the check where it converged or
    rose above its ceiling (its last check if neither), with the change over the window
    before that check (since the first check where there are fewer)."""
    window, checks = panel.settings.window, panel.settings.rising
    out = []
    for name, curve, at, up in zip(panel.names, trained.curves, trained.settled, trained.escaped, strict=True):
        c = len(curve) - 1 if at is None else at
        change = curve[c].estimate - curve[max(c - window, 0)].estimate
        converged = at is not None and not up
        still = not converged and not up and rising(curve, checks)
        out.append(
            Verdict(name, curve[c].estimate, curve[c].se, change, converged, curve[c].step, tuple(curve), up, still)
        )
    return out


def judge(panel: Panel, train: tuple[Tensor, Tensor], held_out: tuple[Tensor, Tensor]) -> list[Verdict]:
    """:func:`train_critics`, then their :func:`verdicts`."""
    return verdicts(panel, train_critics(panel, train, held_out))


def _span(i: int, j: Judge, like: Tensor) -> Span:
    weight = torch.tensor([j.weight], device=like.device, dtype=like.dtype) if j.penalty is not None else None
    return Span(slice(i, i + 1), j.objective, j.penalty, weight, needs_real=False)


@torch.no_grad()
def outputs(critic: StackedNet, x: Tensor, chunk: int = 8192) -> Tensor:
    """Every critic's outputs (K, N) on the same samples ``x`` (N, ...)."""
    k = critic.members
    parts = [critic(x[i : i + chunk].unsqueeze(0).expand(k, *x[i : i + chunk].shape)) for i in range(0, len(x), chunk)]
    return torch.cat(parts, dim=1)


@torch.no_grad()
def read(
    critic: StackedNet, spans: Sequence[Span], held_out: tuple[Tensor, Tensor], resamples: int, seed: int
) -> tuple[Tensor, Tensor]:
    """Each critic's estimate (K,) on the held-out samples and its standard error: the
    standard deviation of the estimate over ``resamples`` bootstrap resamples (real and fake
    resampled independently, the critic fixed; the same resamples at every read). Objectives'
    estimates take leading dimensions, so each objective computes all its resamples in one call."""
    real, fake = held_out
    out_real, out_fake = outputs(critic, real), outputs(critic, fake)
    g = torch.Generator().manual_seed(seed)
    idx_real = torch.randint(out_real.shape[1], (resamples, out_real.shape[1]), generator=g)
    idx_fake = torch.randint(out_fake.shape[1], (resamples, out_fake.shape[1]), generator=g)
    values = torch.empty(critic.members, dtype=out_real.dtype)
    se = torch.empty(critic.members, dtype=out_real.dtype)
    for span in spans:
        with blame(span.members):
            values[span.members] = span.objective.estimate(out_real[span.members], out_fake[span.members])
        for k in range(span.members.start, span.members.stop):
            with blame(span.members):
                boot = span.objective.estimate(out_real[k][idx_real], out_fake[k][idx_fake])
            se[k] = boot.std() if resamples > 1 else float("nan")
    return values, se
