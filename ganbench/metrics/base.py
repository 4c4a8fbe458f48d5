"""What a metric is: a function of generated and fresh real samples with declared directions."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from torch import Tensor

from ganbench.components import Component
from ganbench.datasets.base import Dataset

MAX, MIN = "max", "min"


@dataclasses.dataclass(frozen=True)
class Metric(Component):
    """Subclasses declare ``outputs`` (name -> "max" if higher is better, "min" if lower,
    "" if neither) and return one float per output from ``compute``.  ``output_docs`` gives
    each output's unit and meaning (name -> (unit, meaning)), which reports print beside it."""

    outputs: ClassVar[dict[str, str]] = {}
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {}

    def supports(self, dataset: Dataset) -> str | None:
        """Why this metric cannot be computed on ``dataset``, or None if it can (checked when a
        suite is validated, so a mismatch is reported before anything runs)."""
        return None

    def compute(self, fake: Tensor, real: Tensor, dataset: Dataset) -> dict[str, float]:
        """``fake`` and ``real`` are CPU float tensors of equal length, shape (N, *dataset.shape)."""
        raise NotImplementedError
