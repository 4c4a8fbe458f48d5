"""Mode coverage by the VEEGAN / PacGAN protocol.

A sample is *high quality* if it lies within ``threshold`` standard deviations of
its nearest mode: the dataset's own threshold where it declares one
(``Dataset.quality_threshold``, e.g. VEEGAN's 10 on ``veegan-1200d``), else this metric's
``threshold`` parameter; the distance is the one the dataset measures it in
(``Dataset.nearest_modes``: Euclidean unless the dataset says otherwise).  A mode is
*captured* if it is the nearest mode of at least one high-quality sample.
``reverse_kl`` is KL(q_modes ‖ p_modes) between the histogram of high-quality samples
over their nearest modes and the true mode weights (PacGAN's "reverse KL"); with no
high-quality sample it is the KL of a histogram concentrated on the least likely mode,
i.e. its worst value.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import torch
from torch import Tensor

from ganbench.components import param
from ganbench.datasets.base import Dataset
from ganbench.hookspecs import Register, hookimpl
from ganbench.metrics.base import MAX, MIN, Coverage, Metric


def histogram_kl(counts: Tensor, weights: Tensor) -> float:
    """KL(q ‖ p) between the normalised histogram ``counts`` and mode weights ``weights``
    (0·log 0 = 0); an empty histogram gets the worst value, that of all mass on the least likely mode."""
    p = weights.double() / weights.double().sum()
    if counts.sum() <= 0:
        return float(-p.min().log())
    q = counts.double() / counts.sum()
    nz = q > 0
    return float((q[nz] * (q[nz] / p[nz]).log()).sum())


def mode_coverage(nearest: Tensor, distance: Tensor, weights: Tensor, radius: float) -> dict[str, float]:
    """Coverage figures for N samples whose nearest modes are ``nearest`` (N,), at ``distance``
    (N,) from them, against the K modes' ``weights`` (K,): high quality within ``radius``."""
    hq = distance <= radius
    counts = torch.bincount(nearest[hq], minlength=weights.shape[0]).double()
    kl = histogram_kl(counts, weights)
    return {
        "modes_captured": float((counts > 0).sum()),
        "modes_total": float(weights.shape[0]),
        "hq_percent": 100.0 * float(hq.double().mean()) if len(hq) else 0.0,
        "reverse_kl": max(kl, 0.0) if math.isfinite(kl) else kl,
    }


@dataclasses.dataclass(frozen=True)
class ModeCoverage(Metric):
    name: ClassVar[str] = "modes"
    description: ClassVar[str] = "modes captured, % high-quality samples, KL(q_modes‖p_modes) (VEEGAN/PacGAN)"
    outputs: ClassVar[dict[str, str]] = {
        "modes_captured": MAX,
        "modes_total": "",
        "hq_percent": MAX,
        "reverse_kl": MIN,
    }
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {
        "modes_captured": ("modes", "modes that are the nearest mode of at least one high-quality sample"),
        "modes_total": ("modes", "modes of the dataset"),
        "hq_percent": ("%", "samples within threshold·σ of their nearest mode (high quality)"),
        "reverse_kl": ("nats", "KL(q_modes ‖ p_modes) of the high-quality samples' nearest-mode histogram (PacGAN)"),
    }
    coverage: ClassVar[Coverage | None] = Coverage(covered="modes_captured", total="modes_total")
    floor: ClassVar[dict[str, float]] = {"reverse_kl": 0.0}

    threshold: float = param(
        3.0,
        min=0.0,
        exclusive_min=True,
        help="high quality within this many sigmas, on datasets that declare no threshold of their own "
        "(veegan-1200d declares 10: set its own `threshold`)",
    )

    def supports(self, dataset: Dataset) -> str | None:
        if dataset.mode_centers() is None:
            return f"dataset '{dataset.name}' has no discrete modes for the 'modes' metric"
        return None

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        centers = dataset.mode_centers()
        weights = dataset.mode_weights()
        if centers is None or weights is None:
            raise ValueError(f"dataset '{dataset.name}' has no discrete modes; remove the 'modes' metric")
        own = dataset.quality_threshold()
        nearest, distance = dataset.nearest_modes(fake)
        return mode_coverage(nearest, distance, weights, (self.threshold if own is None else own) * dataset.mode_sigma)


@hookimpl
def register_metrics(register: Register) -> None:
    register(ModeCoverage)
