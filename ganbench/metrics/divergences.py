"""Judge a generator by every divergence: a fresh critic per objective (Im et al. 2018).

At the evaluations it is due (by default only the final one), the generator is frozen
(only its samples are used) and one fresh critic per objective named in ``objectives``
trains on part of the evaluation's samples, all critics as one batched program
(:mod:`ganbench.stacking.critics`). Each critic's variational estimate of its objective's
divergence is read on the other, held-out part, by the objective's own ``estimate``, with a
bootstrap standard error, every ``check_every`` updates. The budget is convergence-driven:
a critic has converged at the first check where its estimate moved by at most its standard
error over the last ``window`` checks and did not rise at each of its last ``rising`` checks
(a still-rising estimate has not converged, whatever its standard error, which grows with the
estimate's level), and reports that check's estimate (it keeps training with the others,
so that the batched program stays one program); the critics stop when all are done or at
``max_steps``, where an unconverged critic reports its last
check. Any registered objective can be named, a third party's included, but one that
declares ``divergence = None`` (it estimates none). Each critic trains with its objective's
own penalty and weight clipping (its defaults), at this metric's learning rate and betas,
with the suite's critic architecture.

*Diverging (support mismatch).* KL(p‖q), reverse KL, Pearson χ², Neyman χ² and Jeffrey are
infinite where the generator q misses part of the data's support (or, for the reverse KL and
Neyman χ², puts mass outside it), and a critic's estimate of them then grows with its budget
instead of settling. With n held-out samples per side, a density ratio p/q outside
[1/n, n] is a region that the samples cannot tell from one the generator misses. Where the
ratio stays within [1/r, r], each of these divergences is at most its :data:`CEILINGS`
value (KL(p‖q) = E_p log(p/q) <= log r; Pearson χ² = E_p[p/q] - 1 <= r - 1; Neyman χ² =
E_q[q/p] - 1 <= r - 1; reverse KL <= log r; Jeffrey <= 2 log r). A critic of one of
them is recorded as *diverging (support mismatch)* (``div:X:diverging`` = 1) when at any of
its checks, before or after it converged, its estimate lies above its ceiling at r = n by
more than two standard errors, or by more than twice the ceiling whatever its standard error
(a runaway critic's standard error runs away with it): the density ratio must then exceed n
somewhere. Such a critic is checked against its ceiling until it diverges or ``max_steps``,
and its number is a lower bound that says nothing more; the report shows the cell as
"diverging (support mismatch)" and averages none of it. Jeffrey = KL + reverse KL, so within
one evaluation the jeffrey critic is recorded as diverging (and not converged) whenever the
kl or reverse-kl critic is.

Only the ceiling says "support mismatch". A critic that did not converge and rose at each of
its last ``rising`` checks (:func:`ganbench.stacking.critics.rising`) is *still rising*
(``div:X:rising`` = 1): every variational estimate also rises while a slow critic is still
learning, so this says only that its estimate, a lower bound on the divergence, was cut short
by the budget; it is not diverging, for any divergence. Bounded divergences (JS, TV,
Hellinger, the triangular discrimination) and W1 have no ceiling and are never diverging.

The samples are the evaluation's own, drawn from the trial's evaluation stream: the first
``1 - held_out`` of them train the critics, the rest are held out. The critics' random
numbers come from the evaluation's seed, so the metric never touches a training stream.

For a Gaussian-mixture dataset, whose density p is known in closed form, the metric also
reports a reference value of KL(p‖q): E_p log p exactly on the held-out real samples, and
E_p log q by the k-nearest-neighbour density estimate of q from the generated samples
(Wang, Kulkarni & Verdú 2009), which is consistent but reliable only where q has a density
that the generated samples cover (see the README).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset, GaussianMixture
from ganbench.errors import ConfigError
from ganbench.hookspecs import Register, hookimpl
from ganbench.metrics.base import Evaluation, Metric
from ganbench.stacking.critics import CriticSettings, Judge, Panel, Verdict, judge
from ganbench.stacking.draws import stream_seed

if TYPE_CHECKING:
    from ganbench.registry import Registry

#: the nine f-GAN divergences, the Jensen-Shannon divergence by the minimax critic, W1 by WGAN-GP
DEFAULT_OBJECTIVES = (
    "kl",
    "reverse-kl",
    "pearson",
    "neyman",
    "hellinger",
    "jeffrey",
    "fgan-js",
    "fgan-gan",
    "tv",
    "minimax",
    "wgan-gp",
)
#: what the metric records per objective X: ``div:X`` (the held-out estimate), ``div:X:se``,
#: ``div:X:change`` (over the window before the check it was read at), ``div:X:converged``
#: (1 or 0), ``div:X:step`` (the critic updates before that check), ``div:X:diverging`` (1 or 0:
#: above its ceiling, support mismatch) and ``div:X:rising`` (1 or 0: unconverged and still rising)
FIELDS = ("", "se", "change", "converged", "step", "diverging", "rising")
#: Jeffrey = KL + reverse KL: infinite whenever either is
SUMS: dict[str, tuple[str, ...]] = {"jeffrey": ("kl", "reverse-kl")}
#: divergences that are infinite where the generator misses part of the data's support (or
#: puts mass outside it), each with its largest value where the density ratio p/q stays
#: within [1/r, r] (the module's docstring derives them): the only ones that can diverge
CEILINGS: dict[str, Callable[[float], float]] = {
    "kl": math.log,
    "reverse-kl": math.log,
    "pearson": lambda r: r - 1.0,
    "neyman": lambda r: r - 1.0,
    "jeffrey": lambda r: 2.0 * math.log(r),
}
#: the reference KL(p‖q) and its standard error, for Gaussian-mixture datasets
REFERENCE, REFERENCE_SE = "ref:kl", "ref:kl:se"
#: neighbours of the k-NN density estimate of q in the reference
REFERENCE_K = 5


#: the number of critics whose estimate has not converged (a results column)
UNCONVERGED = "critics_unconverged"


def key(objective: str, field: str = "") -> str:
    """The output name of ``field`` (see :data:`FIELDS`) of ``objective``'s critic."""
    return f"div:{objective}" + (f":{field}" if field else "")


@dataclasses.dataclass(frozen=True)
class Divergences(Metric):
    name: ClassVar[str] = "divergences"
    description: ClassVar[str] = (
        "every objective's divergence by a fresh critic, trained on the evaluation's samples and read on held-out ones"
    )
    #: the results-table column: how many of the critics did not converge; the per-objective
    #: values (see :func:`key` and :meth:`recorded`) are read by the report's divergence matrix
    outputs: ClassVar[dict[str, str]] = {UNCONVERGED: ""}
    uses_evaluation: ClassVar[bool] = True
    #: the matrix of generators × divergences, per dataset (:mod:`ganbench.metrics.divergences_report`)
    report_section: ClassVar[str] = "ganbench.metrics.divergences_report:blocks"

    objectives: tuple[str, ...] = param(DEFAULT_OBJECTIVES, help="objectives whose divergences are estimated")
    max_steps: int = param(2000, min=1, max=1_000_000, help="the most critic updates (converged critics stop earlier)")
    check_every: int = param(50, min=1, max=1_000_000, help="critic updates between two held-out reads")
    window: int = param(2, min=1, max=1000, help="checks over which a converged estimate moved by at most its se")
    rising: int = param(4, min=1, max=1000, help="checks of rise that mean not converged (still rising)")
    batch_size: int = param(256, min=1, max=1_048_576, help="real and fake samples per critic update")
    lr: float = param(1e-3, min=0.0, exclusive_min=True, max=10.0, help="Adam learning rate of every critic")
    betas: tuple[float, float] = param((0.5, 0.999), min=0.0, max=0.99999, help="Adam (beta1, beta2)")
    held_out: float = param(0.5, min=0.0, exclusive_min=True, max=0.95, help="fraction of the samples held out")
    every: int = param(0, min=0, help="also at evaluations whose step is a multiple of this; 0: the final one only")
    bootstrap: int = param(200, min=2, max=100_000, help="bootstrap resamples for the standard errors")
    average: float = param(0.98, min=0.0, max=0.9999, help="moving average of critic parameters read (0: last)")
    reference: bool = param(True, help="KL(p‖q) by k-NN where the data density is known (Gaussian mixtures)")

    _judges: tuple[Judge, ...] | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def validate(self) -> None:
        if not self.objectives:
            raise ValueError("objectives: name at least one objective")
        dup = sorted({o for o in self.objectives if self.objectives.count(o) > 1})
        if dup:
            raise ValueError(f"objectives: listed twice: {', '.join(dup)}")

    def resolve(self, registry: Registry, where: str) -> Divergences:
        judges = []
        for i, name in enumerate(self.objectives):
            objective = registry.get("objectives", name, f"{where}.objectives[{i}]")()
            if not objective.estimates_divergence():
                raise ConfigError(
                    f"{where}.objectives[{i}]: objective '{name}' estimates no divergence (it declares "
                    "divergence = None), so its critic cannot judge a generator: leave it out of objectives",
                    key=f"{where}.objectives[{i}]",
                )
            hyper = objective.default_hyper()
            penalty = None
            if hyper.penalty_name is not None:
                penalty = registry.get("penalties", hyper.penalty_name, f"{where}.objectives[{i}]")()
            judges.append(Judge(name, objective, penalty, hyper.penalty_weight, hyper.clip))
        resolved = dataclasses.replace(self)
        object.__setattr__(resolved, "_judges", tuple(judges))
        return resolved

    def diverging(self, verdict: Verdict) -> bool:
        """The support-mismatch rule of the module's docstring, for one critic's verdict alone
        (:func:`consistent` then applies Jeffrey = KL + reverse KL across critics)."""
        return verdict.name in CEILINGS and verdict.above_ceiling

    def due(self, evaluation: Evaluation) -> bool:
        return evaluation.final or (self.every > 0 and evaluation.step % self.every == 0)

    def recorded(self, dataset: Dataset) -> dict[str, str]:
        values = dict(type(self).outputs)
        for name in self.objectives:
            values.update({key(name, field): "" for field in FIELDS})
        if self.reference and isinstance(dataset, GaussianMixture):
            values.update({REFERENCE: "", REFERENCE_SE: ""})
        return values

    def critic_settings(self) -> CriticSettings:
        return CriticSettings(
            max_steps=self.max_steps,
            check_every=self.check_every,
            window=self.window,
            rising=self.rising,
            batch_size=self.batch_size,
            lr=self.lr,
            betas=self.betas,
            bootstrap=self.bootstrap,
            average=self.average,
        )

    def compute(  # type: ignore[override]
        self, *, real: Tensor, fake: Tensor, dataset: Dataset, evaluation: Evaluation | None = None
    ) -> dict[str, float]:
        if self._judges is None:
            raise ConfigError("the divergences metric names objectives: call resolve(registry, where) first")
        if evaluation is None:
            raise ConfigError("the divergences metric needs evaluation= (its seed and the suite's model)")
        n = min(len(real), len(fake))
        held = max(1, round(n * self.held_out))
        if n - held < 1:
            raise ValueError(f"divergences: {n} evaluation samples leave none to train the critics on")
        train, held_out = (real[: n - held], fake[: n - held]), (real[n - held : n], fake[n - held : n])
        model = evaluation.model

        def build() -> Any:
            return model.build(dataset)[1]

        seed = stream_seed(evaluation.seed, "divergences")
        values: dict[str, float] = {UNCONVERGED: 0.0}
        judges = [dataclasses.replace(j, ceiling=ceiling(j.name, held)) for j in self._judges]
        for v in judge(Panel(build, judges, self.critic_settings(), seed), train, held_out):
            values[key(v.name)] = v.estimate
            values[key(v.name, "se")] = v.se
            values[key(v.name, "change")] = v.change
            values[key(v.name, "converged")] = float(v.converged)
            values[key(v.name, "step")] = float(v.step)
            values[key(v.name, "diverging")] = float(self.diverging(v))
            values[key(v.name, "rising")] = float(v.still_rising)
        consistent(values, self.objectives)
        values[UNCONVERGED] = float(sum(values[key(o, "converged")] == 0.0 for o in self.objectives))
        if self.reference and isinstance(dataset, GaussianMixture):
            kl, se = knn_kl_reference(dataset, held_out[0], fake[:n])
            values[REFERENCE], values[REFERENCE_SE] = kl, se
        return values


def consistent(values: dict[str, float], objectives: tuple[str, ...]) -> None:
    """Make one evaluation's flags agree with :data:`SUMS`: a sum of divergences (Jeffrey) is
    diverging, and so neither converged nor still rising, whenever a judged term is diverging."""
    for total, terms in SUMS.items():
        if total in objectives and any(values.get(key(t, "diverging")) == 1.0 for t in terms if t in objectives):
            values[key(total, "diverging")] = 1.0
            values[key(total, "converged")] = 0.0
            values[key(total, "rising")] = 0.0


def ceiling(name: str, held_out: int) -> float:
    """The most objective ``name``'s divergence can be while the density ratio stays within
    [1/n, n], n the held-out samples per side (inf where it has no entry in :data:`CEILINGS`)."""
    bound = CEILINGS.get(name)
    return math.inf if bound is None else bound(float(max(held_out, 2)))


def mixture_log_density(dataset: GaussianMixture, x: np.ndarray) -> np.ndarray:
    """log p(x) of an equal-weight isotropic Gaussian mixture (the dataset's closed form)."""
    from scipy.special import logsumexp  # scipy on use: `ganbench validate` loads every metric

    means = dataset.means().double().numpy()
    sigma = float(dataset.mode_sigma)
    d = means.shape[1]
    sq = ((x[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)
    log_norm = -0.5 * d * math.log(2.0 * math.pi * sigma**2) - math.log(len(means))
    return np.asarray(logsumexp(-0.5 * sq / sigma**2, axis=1) + log_norm)


def knn_log_density(samples: np.ndarray, at: np.ndarray, k: int = REFERENCE_K) -> np.ndarray:
    """The k-NN estimate of log q at points ``at`` from M samples of q (rows of ``samples``):
    ψ(k) - log M - log c_d - d log ν_k, with ν_k the distance to the k-th nearest sample and
    c_d the volume of the unit d-ball. The ψ(k) (not log k) removes the estimate's bias in
    the log (Leonenko, Pronzato & Savani 2008; Wang, Kulkarni & Verdú 2009)."""
    from scipy.spatial import cKDTree
    from scipy.special import digamma, gammaln

    m, d = samples.shape
    dist, _ = cKDTree(samples).query(at, k=k)
    nu = dist[:, -1] if k > 1 else dist
    log_ball = 0.5 * d * math.log(math.pi) - float(gammaln(0.5 * d + 1.0))
    with np.errstate(divide="ignore"):
        return np.asarray(digamma(k) - math.log(m) - log_ball - d * np.log(nu))


def knn_kl_reference(dataset: GaussianMixture, real: Tensor, fake: Tensor) -> tuple[float, float]:
    """KL(p‖q) ≈ mean over real x of log p(x) - log q̂(x), with p the mixture's exact density
    and q̂ the k-NN estimate from the generated samples; and the standard error of that mean."""
    x = real.reshape(len(real), -1).double().numpy()
    y = fake.reshape(len(fake), -1).double().numpy()
    terms = mixture_log_density(dataset, x) - knn_log_density(y, x)
    if not np.all(np.isfinite(terms)):
        return float("inf"), float("nan")
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(len(terms)))


@hookimpl
def register_metrics(register: Register) -> None:
    register(Divergences)
