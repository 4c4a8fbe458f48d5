"""``check_metric``: keyword-only, exactly the values it says it records, near its floor for real
against real, clearly worse for a shifted sample."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from ganbench.datasets.base import Dataset
from ganbench.metrics.base import Evaluation, Metric
from ganbench.testing.common import fail, instance

if TYPE_CHECKING:
    from ganbench.registry import Registry

#: how near the floor real-against-real must be, as a fraction of the shifted sample's distance from it
NEAR_FLOOR = 0.25
#: how much worse the shifted sample must be, in units of the real-against-real spread
CLEARLY = 3.0


def shift(x: Tensor) -> Tensor:
    """The default worse sample: every coordinate moved by one standard deviation of the sample."""
    return x + x.std(dim=0, keepdim=True).clamp_min(1e-3)


def check_metric(
    cls: type[Metric] | Metric,
    dataset: Dataset | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    n: int = 1000,
    worse: Callable[[Tensor], Tensor] = shift,
    registry: Registry | None = None,
) -> None:
    """Check metric ``cls`` built with ``params`` (or a metric instance) on ``dataset`` (default:
    the ``ring`` dataset with its defaults):

    - it registers: ``compute(self, *, real, fake, dataset)`` keyword-only, ``outputs`` each
      'max', 'min' or '', a valid ``coverage`` and ``floor``; it supports ``dataset``;
    - ``compute`` returns exactly what ``recorded(dataset)`` says (by default the declared
      outputs), as finite floats, and leaves its inputs unchanged;
    - real against real (two independent draws of ``n``): each output with a ``floor`` is
      near it (within a quarter of the distance of the worse sample from it);
    - real against ``worse(real)`` (default: every coordinate shifted by one standard
      deviation): every output with a direction is worse than real against real, by more than
      three times the spread between two real-against-real draws.

    The metric is first resolved against ``registry`` (default: the built-ins and installed
    plugins), so a metric that names other components finds them; a metric that asks for its
    evaluation (``uses_evaluation``) gets the final one of a trial of the ``mlp`` model.
    """
    if registry is None:
        from ganbench.plugins import load_plugins

        registry = load_plugins(None)
    metric = instance("metrics", cls, params).resolve(registry, "check_metric")
    if dataset is None:
        from ganbench.datasets.mixtures import Ring

        dataset = Ring()
    what = f"metric '{metric.name}' on dataset '{dataset.name}'"
    problem = metric.supports(dataset)
    if problem:
        fail(what, f"it does not support the dataset: {problem}")

    def draw(seed: int) -> Tensor:
        return dataset.sample(n, generator=torch.Generator().manual_seed(seed)).float()

    real, other, third = draw(1), draw(2), draw(3)
    bad = worse(draw(2)).float()
    extra: dict[str, Any] = {}
    if type(metric).uses_evaluation:
        extra["evaluation"] = Evaluation(step=1, final=True, seed=0, model=registry.get("models", "mlp")())
    same = _compute(metric, what, real, other, dataset, extra)
    again = _compute(metric, what, real, third, dataset, extra)
    shifted = _compute(metric, what, real, bad, dataset, extra)
    for output, direction in type(metric).outputs.items():
        if not direction:
            continue
        gap = shifted[output] - same[output]
        spread = abs(same[output] - again[output])
        if (gap > 0) != (direction == "min") or abs(gap) <= CLEARLY * spread:
            fail(
                what,
                f"{output} ({'lower' if direction == 'min' else 'higher'} is better) is {shifted[output]:.6g} for "
                f"the worse sample and {same[output]:.6g} for real against real (which varies by {spread:.3g} "
                "between draws): the worse sample must score clearly worse",
            )

    for output, floor in type(metric).floor.items():
        near, far = abs(same[output] - floor), abs(shifted[output] - floor)
        if near > NEAR_FLOOR * far:
            fail(
                what,
                f"{output} of real against real is {same[output]:.6g}, not near its floor {floor:g} "
                f"(the worse sample gives {shifted[output]:.6g})",
            )


def _compute(
    metric: Metric, what: str, real: Tensor, fake: Tensor, dataset: Dataset, extra: Mapping[str, Any]
) -> dict[str, float]:
    kept = (real.clone(), fake.clone())
    values = metric.compute(real=real, fake=fake, dataset=dataset, **extra)
    if not (torch.equal(real, kept[0]) and torch.equal(fake, kept[1])):
        fail(what, "compute changed its input tensors in place")
    declared = metric.recorded(dataset)
    if not isinstance(values, Mapping) or set(values) != set(declared):
        got = sorted(values) if isinstance(values, Mapping) else type(values).__name__
        fail(what, f"compute returned {got}, but the declared outputs are {sorted(declared)}")
    out = {}
    for key, value in values.items():
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            fail(what, f"output {key} is {value!r}, not a number")
        if not math.isfinite(out[key]):
            fail(what, f"output {key} is {out[key]} for finite samples")
    return out
