"""``check_objective``: what every objective must do, whatever its formula.

Packing (PacGAN, the ``pack`` hyperparameter) asks nothing more of an objective: its losses
read one critic output per critic input, a sample or a pack alike.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from scipy import integrate, stats
from torch import Tensor
from torch.func import vmap

from ganbench.components import build
from ganbench.errors import ConfigError
from ganbench.objectives.base import Objective
from ganbench.testing.common import available_devices, describe, fail, option_variants, registrable
from ganbench.testing.generator_step import check_generator_step
from ganbench.testing.option_range import Point, option_points

#: critic outputs the losses must survive: float32, anywhere in [-50, 50]
OUTPUT_RANGE = 50.0
#: samples of each side for the estimate at the optimal critic, in batches (for the standard error)
OPTIMUM_SAMPLES, OPTIMUM_BATCHES = 400_000, 40


KINDS = ("critic_loss", "generator_loss", "estimate")


def kinds_of(objective: Objective) -> tuple[str, ...]:
    """The functions the objective has: all three, or no ``estimate`` if it declares ``divergence = None``."""
    return KINDS if objective.estimates_divergence() else KINDS[:2]


def call(objective: Objective, kind: str, real: Tensor, fake: Tensor) -> Tensor:
    """One of the three functions of an objective on critic outputs ``real`` and ``fake``."""
    if kind == "generator_loss":
        return objective.generator_loss(real if objective.generator_needs_real else None, fake)
    return getattr(objective, kind)(real, fake)  # type: ignore[no-any-return]


def losses(objective: Objective, real: Tensor, fake: Tensor) -> dict[str, Tensor]:
    """The functions of an objective (:func:`kinds_of`) on critic outputs ``real`` and ``fake``."""
    return {kind: call(objective, kind, real, fake) for kind in kinds_of(objective)}


def check_objective(
    cls: type[Objective],
    options: Mapping[str, Any] | None = None,
    *,
    optimal_critic: Callable[[Tensor], Any] | None = None,
    f_divergence: Callable[[np.ndarray], np.ndarray] | None = None,
    devices: list[str] | None = None,
) -> None:
    """Check objective ``cls`` with ``options`` (default: its defaults and every other choice of
    each option with finitely many values, then each numeric option over its range, see below):

    - it registers (signatures ``critic_loss(self, real, fake)`` etc., a valid ``hyper``);
    - each function returns one scalar per leading index, finite, with finite gradients, for
      critic outputs anywhere in [-50, 50] (float32) and for a batch of one;
    - under ``torch.func.vmap`` over a leading dimension it equals a Python loop;
    - on every other available device (``devices``, default :func:`available_devices`) it gives
      the CPU's values;
    - orientation: critic outputs that separate real (higher) from fake (lower) raise the
      estimate and lower the critic's loss (with outputs inside ``critic_range`` where the
      objective declares one), and fakes scored like reals rather than below them lower the
      generator's loss;
    - the generator step (:mod:`ganbench.testing.generator_step`): against critics trained by
      its own ``critic_loss``, one generator step moves the fakes towards the real data;
    - each ``float`` or ``int`` option over its range (:mod:`ganbench.testing.option_range`):
      at its bounds, interior points and probes beyond a missing bound, the losses stay finite,
      keep their orientation and the generator step; a probe that fails says "declare a bound";
    - with ``optimal_critic`` (the critic's output at the optimum as a function of log p(x)/q(x))
      and ``f_divergence`` (the f of D_f(P‖Q) = ∫ q f(p/q), vectorised in NumPy), given here or as
      methods of the objective: the estimate at the optimal critic, for P = N(0, 1) (data) and
      Q = N(1, 1) (generator), equals D_f computed by ``scipy.integrate.quad``, within Monte Carlo error.

    An objective that declares ``divergence = None`` has no estimate: its checks are skipped
    (:func:`check_estimate` says so as a pytest skip), and declaring an optimal critic or f is a fault.
    """
    registrable("objectives", cls)
    variants = [dict(options)] if options is not None else option_variants(cls)
    for opts in variants:
        objective = build(cls, opts, cls.name)
        what = f"objective {describe(repr(cls.name), opts)}"
        _check_range(objective, what)
        _check_batch_of_one(objective, what)
        _check_vmap(objective, what)
        for device in available_devices() if devices is None else devices:
            _check_device(objective, what, device)
        _check_orientation(objective, what)
        check_generator_step(objective, what)
        critic = optimal_critic or _declared(objective, "optimal_critic")
        f = f_divergence or _declared(objective, "f_divergence")
        if not objective.estimates_divergence():
            if critic is not None or f is not None:
                fail(what, "it declares divergence = None, so it has no estimate to check at an optimal critic")
        elif critic is not None and f is not None:
            _check_optimum(objective, what, critic, f)
        elif (critic is None) != (f is None):
            fail(what, "declare both optimal_critic and f_divergence, or neither")
    if options is None:
        for point in option_points(cls):
            _check_point(cls, point)


def check_estimate(cls: type[Objective]) -> None:
    """For a test of its own: skip it (``pytest.skip``, with the reason) when ``cls`` declares
    ``divergence = None``; otherwise check the estimate's orientation and, where declared, its
    value at the optimal critic (as :func:`check_objective` does)."""
    registrable("objectives", cls)
    if not cls.estimates_divergence():
        import pytest

        pytest.skip(
            f"objective {cls.name!r} declares divergence = None: it estimates no divergence, so the "
            "estimate's checks do not apply"
        )
    objective = cls()
    what = f"objective {cls.name!r}"
    _check_orientation(objective, what)
    critic, f = _declared(objective, "optimal_critic"), _declared(objective, "f_divergence")
    if critic is not None and f is not None:
        _check_optimum(objective, what, critic, f)


def _check_point(cls: type[Objective], point: Point) -> None:
    """The losses with one numeric option at ``point``: finite, oriented, a generator step that
    helps. A value the objective's own ``validate`` refuses is skipped."""
    try:
        objective = build(cls, point.options, cls.name)
    except ConfigError:
        return
    what = f"objective {describe(repr(cls.name), point.options)}"
    try:
        _check_range(objective, what)
        _check_batch_of_one(objective, what)
        _check_orientation(objective, what)
        check_generator_step(objective, what)
    except AssertionError as exc:
        if point.declared:
            raise
        fail(f"objective {cls.name!r}", f"{point.advice(getattr(cls(), point.option))}. What failed: {exc}")
    except Exception as exc:
        reason = f"{what}: it raises {type(exc).__name__}: {exc}"
        if point.declared:
            raise AssertionError(reason) from None
        fail(f"objective {cls.name!r}", f"{point.advice(getattr(cls(), point.option))}. What failed: {reason}")


def _declared(objective: Objective, name: str) -> Callable[..., Any] | None:
    fn = getattr(objective, name, None)
    return fn if callable(fn) else None


def _check_finite(objective: Objective, real: Tensor, fake: Tensor, what: str) -> None:
    real = real.clone().requires_grad_(True)
    fake = fake.clone().requires_grad_(True)
    for kind, value in losses(objective, real, fake).items():
        if not isinstance(value, Tensor) or value.shape != real.shape[:-1]:
            shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            fail(
                what,
                f"{kind} gave shape {shape} for outputs of shape {tuple(real.shape)}: one scalar per leading index",
            )
        if not torch.isfinite(value).all():
            fail(what, f"{kind} is not finite: {value.detach().flatten()[:5].tolist()}")
        grads = torch.autograd.grad(value.sum(), [real, fake], allow_unused=True)
        for side, grad in zip(("real", "fake"), grads, strict=True):
            if grad is not None and not torch.isfinite(grad).all():
                fail(what, f"the gradient of {kind} with respect to the {side} outputs is not finite")


def _check_range(objective: Objective, what: str) -> None:
    grid = torch.linspace(-OUTPUT_RANGE, OUTPUT_RANGE, 101)  # every integer in [-50, 50]
    real = grid.expand(101, 101)  # every output against every other; each fake batch is one constant
    fake = grid.unsqueeze(1).expand(101, 101)
    _check_finite(objective, real, fake, f"{what}, outputs in [-50, 50]")
    _check_finite(objective, fake, real, f"{what}, outputs in [-50, 50], roles swapped")
    values = torch.linspace(-OUTPUT_RANGE, OUTPUT_RANGE, 401)  # and every 0.25 in one mixed batch
    _check_finite(objective, values, values.flip(0), f"{what}, a mixed batch")


def _check_batch_of_one(objective: Objective, what: str) -> None:
    for r, f in itertools.product([-50.0, -7.5, 0.0, 7.5, 50.0], repeat=2):
        _check_finite(objective, torch.tensor([r]), torch.tensor([f]), f"{what}, a batch of one (real {r}, fake {f})")


def _check_vmap(objective: Objective, what: str) -> None:
    g = torch.Generator().manual_seed(0)
    models, batch = 4, 16
    real = 3.0 * torch.randn(models, batch, generator=g, dtype=torch.float64)
    fake = 3.0 * torch.randn(models, batch, generator=g, dtype=torch.float64) - 1.0
    for kind in kinds_of(objective):

        def one(r: Tensor, f: Tensor, kind: str = kind) -> Tensor:
            return call(objective, kind, r, f)

        looped = torch.stack([one(real[m], fake[m]) for m in range(models)])
        try:
            batched = vmap(one)(real, fake)
        except Exception as exc:
            fail(what, f"{kind} fails under torch.func.vmap: {type(exc).__name__}: {exc}")
        if not torch.allclose(batched, looped, rtol=1e-10, atol=1e-12):
            fail(what, f"{kind} under torch.func.vmap is {batched.tolist()}, a loop gives {looped.tolist()}")
        leading = one(real, fake)  # leading dimensions work without vmap too (the batch is the last one)
        if leading.shape != looped.shape or not torch.allclose(leading, looped, rtol=1e-10, atol=1e-12):
            fail(what, f"{kind} on (4, 16) outputs is {leading.tolist()}, per row it is {looped.tolist()}")


def _check_device(objective: Objective, what: str, device: str) -> None:
    g = torch.Generator().manual_seed(1)
    real = 3.0 * torch.randn(3, 64, generator=g)
    fake = 3.0 * torch.randn(3, 64, generator=g) - 1.0
    on_cpu = losses(objective, real, fake)
    on_device = losses(objective, real.to(device), fake.to(device))
    for kind, value in on_cpu.items():
        other = on_device[kind]
        if other.device.type != torch.device(device).type:
            fail(what, f"{kind} of outputs on {device} came back on {other.device}")
        if not torch.allclose(other.cpu(), value, rtol=1e-4, atol=1e-5):
            fail(what, f"{kind} on {device} is {other.cpu().tolist()}, on the CPU {value.tolist()}")


def orientation_points(objective: Objective) -> tuple[tuple[float, ...], float]:
    """The centres and the half-separation of the orientation check: -1, 0, 1 and 0.5, or the
    quarter points and an eighth of ``critic_range`` where the objective declares one."""
    bounds = objective.critic_range
    if bounds is None:
        return (-1.0, 0.0, 1.0), 0.5
    lo, hi = bounds
    return tuple(lo + t * (hi - lo) for t in (0.25, 0.5, 0.75)), (hi - lo) / 8


def _check_orientation(objective: Objective, what: str) -> None:
    """The harness reads a higher estimate as a better-separating critic: real outputs above fake
    ones must raise it (and lower the critic's loss) against a critic that cannot tell them apart."""
    centres, delta = orientation_points(objective)
    jitter = torch.linspace(-0.1, 0.1, 8, dtype=torch.float64) * delta  # ±0.05 at the default separation
    declare = (
        ""
        if objective.critic_range is not None
        else "; if the critic is designed for outputs in a range only (a loss with targets), declare it: "
        "critic_range: ClassVar[tuple[float, float]] = (low, high), and this check stays inside it"
    )
    for c in centres:
        same = losses(objective, c + jitter, c + jitter)
        apart = losses(objective, c + delta + jitter, c - delta + jitter)
        at = f"critic outputs around {c:g}"
        if "estimate" in apart and not apart["estimate"] > same["estimate"]:
            fail(
                what,
                f"property 'estimate orientation': the estimate does not rise when the critic scores real above "
                f"fake ({at}: {float(apart['estimate']):.6g} apart, {float(same['estimate']):.6g} together); "
                "an objective with no known divergence declares divergence: ClassVar[None] = None and writes "
                "no estimate",
            )
        if not apart["critic_loss"] < same["critic_loss"]:
            fail(
                what,
                f"property 'critic orientation': the critic's loss does not fall when it scores real above fake "
                f"({at}: {float(apart['critic_loss']):.6g} apart, {float(same['critic_loss']):.6g} together)" + declare,
            )
    c = centres[0]
    real = c + delta + jitter  # fakes scored well below reals: raising them towards the reals must help
    like_real = call(objective, "generator_loss", real, real)
    below = call(objective, "generator_loss", real, c - delta + jitter)
    if not like_real < below:
        fail(
            what,
            f"property 'generator orientation': the generator's loss is not lower for fakes scored like reals "
            f"than for fakes scored below them (critic outputs around {c:g}: {float(like_real):.6g} against "
            f"{float(below):.6g})",
        )


def _as_tensor(value: Any) -> Tensor:
    return torch.as_tensor(np.asarray(value.detach() if isinstance(value, Tensor) else value, dtype=np.float64))


def _check_optimum(
    objective: Objective, what: str, optimal_critic: Callable[[Tensor], Any], f: Callable[[np.ndarray], np.ndarray]
) -> None:
    """The estimate at the optimal critic for P = N(0, 1), Q = N(1, 1) against D_f by quadrature."""
    p, q = stats.norm(0.0, 1.0), stats.norm(1.0, 1.0)

    def integrand(x: float) -> float:
        return float(q.pdf(x) * f(np.array(math.exp(p.logpdf(x) - q.logpdf(x)))))

    truth, _ = integrate.quad(integrand, -15.0, 16.0, limit=200, epsabs=1e-12, epsrel=1e-10)
    g = torch.Generator().manual_seed(2024)
    n = OPTIMUM_SAMPLES // OPTIMUM_BATCHES
    x_p = torch.randn(OPTIMUM_BATCHES, n, generator=g, dtype=torch.float64)
    x_q = torch.randn(OPTIMUM_BATCHES, n, generator=g, dtype=torch.float64) + 1.0
    log_ratio = lambda x: 0.5 - x  # noqa: E731  log N(x; 0, 1) - log N(x; 1, 1)
    v_p, v_q = _as_tensor(optimal_critic(log_ratio(x_p))), _as_tensor(optimal_critic(log_ratio(x_q)))
    with torch.no_grad():
        per_batch = objective.estimate(v_p, v_q).double()
    if per_batch.shape != (OPTIMUM_BATCHES,) or not torch.isfinite(per_batch).all():
        fail(what, f"the estimate at the optimal critic is not finite: {per_batch.flatten()[:5].tolist()}")
    mean = float(per_batch.mean())
    se = float(per_batch.std()) / math.sqrt(OPTIMUM_BATCHES)
    if abs(mean - truth) > 4.0 * se + 1e-6 * max(1.0, abs(truth)):
        fail(
            what,
            f"at the optimal critic for P = N(0, 1), Q = N(1, 1) the estimate is {mean:.6g} ± {se:.2g} "
            f"(standard error), but D_f by quadrature is {truth:.6g}",
        )
