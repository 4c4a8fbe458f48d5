"""Sample-based distances between generated and fresh real samples."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import Register, hookimpl
from ganbench.metrics.base import MIN, Metric


def energy_distance(x: Tensor, y: Tensor) -> float:
    """Energy distance sqrt(2E‖X-Y‖ - E‖X-X'‖ - E‖Y-Y'‖), V-statistics as in scipy.stats.energy_distance."""
    x = x.reshape(x.shape[0], -1).double()
    y = y.reshape(y.shape[0], -1).double()
    d2 = 2.0 * torch.cdist(x, y).mean() - torch.cdist(x, x).mean() - torch.cdist(y, y).mean()
    return float(d2.clamp(min=0.0).sqrt())


def wasserstein_exact(x: Tensor, y: Tensor, p: int = 1) -> float:
    """Exact p-Wasserstein distance between two equal-size empirical measures.

    The optimal transport between n equally weighted points and n others is an optimal
    assignment. It is solved as a transport problem by POT's network simplex (``ot.emd``),
    which gives the same optimum several times faster than ``scipy.optimize.
    linear_sum_assignment`` on these problems (most of all when one cloud has collapsed
    onto a few points, where the assignment solver meets many near-ties); should the
    simplex stop short of optimality, the assignment solver decides."""
    if x.shape[0] != y.shape[0]:
        raise ValueError("exact Wasserstein needs equal sample counts")
    import ot  # imported on first use: POT takes a moment to load

    cost = torch.cdist(x.reshape(x.shape[0], -1).double(), y.reshape(y.shape[0], -1).double()).pow(p).numpy()
    weights = np.full(len(cost), 1.0 / len(cost))
    plan, log = ot.emd(weights, weights, cost, numItermax=100_000_000, log=True)
    if log["result_code"] == 1:  # optimal
        value = float((plan * cost).sum())
    else:
        from scipy.optimize import linear_sum_assignment  # the fallback: scipy.optimize takes a second to load

        rows, cols = linear_sum_assignment(cost)
        value = float(np.mean(cost[rows, cols]))
    return max(value, 0.0) ** (1.0 / p)


@dataclasses.dataclass(frozen=True)
class Distance(Metric):
    """A distance between the generated samples and fresh real ones: one output, named as the
    metric, lower is better and 0 for two samples of one distribution. A subclass declares the
    output's ``unit`` and ``meaning`` (its ``output_docs``) instead of the three tables."""

    unit: ClassVar[str] = "data units"
    meaning: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        cls.outputs = {cls.name: MIN}
        cls.output_docs = {cls.name: (cls.unit, cls.meaning)}
        cls.floor = {cls.name: 0.0}
        super().__init_subclass__(**kwargs)


@dataclasses.dataclass(frozen=True)
class Energy(Distance):
    name: ClassVar[str] = "energy"
    description: ClassVar[str] = "energy distance to fresh real samples"
    meaning: ClassVar[str] = "energy distance √(2E‖X−Y‖ − E‖X−X′‖ − E‖Y−Y′‖) to fresh real samples"

    samples: int = param(1000, min=2, max=20_000, help="samples of each side used")

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        return {"energy": energy_distance(fake[: self.samples], real[: self.samples])}


@dataclasses.dataclass(frozen=True)
class Wasserstein(Distance):
    name: ClassVar[str] = "wasserstein"
    description: ClassVar[str] = "exact Wasserstein-p distance (optimal transport between equal-size samples)"
    meaning: ClassVar[str] = "exact Wasserstein-p distance to fresh real samples (optimal assignment)"

    samples: int = param(1000, min=2, max=2000, help="samples of each side (assignment is cubic in this)")
    p: int = param(1, min=1, max=2, help="order of the distance (1 or 2)")

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        n = min(self.samples, len(fake), len(real))
        return {"wasserstein": wasserstein_exact(fake[:n], real[:n], self.p)}


@hookimpl
def register_metrics(register: Register) -> None:
    register(Energy)
    register(Wasserstein)
