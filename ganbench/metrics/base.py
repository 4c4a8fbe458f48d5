"""What a metric is: a function of generated and fresh real samples with declared directions."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

from torch import Tensor

from ganbench.components import Component
from ganbench.datasets.base import Dataset

if TYPE_CHECKING:
    from ganbench.models.base import Model
    from ganbench.plugins import Registry

MAX, MIN = "max", "min"


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """The evaluation a metric is computed at, for a metric that asks for it
    (``uses_evaluation = True``) and for its :meth:`Metric.due`.

    ``seed`` is the trial's evaluation seed at this step, the seed of the evaluation's own
    samples, never of training: a metric that needs random numbers derives its own
    generator from it (e.g. ``ganbench.training.draws.stream_seed(seed, "my-metric")``)."""

    step: int
    final: bool  # the trial's last evaluation (step == train.steps)
    seed: int
    model: Model  # the trial's model: a metric may build networks of the suite's architecture


@dataclasses.dataclass(frozen=True)
class Metric(Component):
    """Subclasses declare ``outputs`` (name -> "max" if higher is better, "min" if lower,
    "" if neither) and return one float per output from ``compute``."""

    outputs: ClassVar[dict[str, str]] = {}
    #: whether ``compute`` also receives ``evaluation=``, the :class:`Evaluation` it runs at
    uses_evaluation: ClassVar[bool] = False

    def supports(self, dataset: Dataset) -> str | None:
        """Why this metric cannot be computed on ``dataset``, or None if it can (checked when a
        suite is validated, so a mismatch is reported before anything runs)."""
        return None

    def due(self, evaluation: Evaluation) -> bool:
        """Whether to compute at ``evaluation`` (default: at every one). A metric that is not
        due has no values in that evaluation's history record."""
        return True

    def resolve(self, registry: Registry, where: str) -> Metric:
        """This metric with the components it names (objectives, penalties) looked up in
        ``registry``. Called when a suite is validated (a bad name is a ConfigError naming
        ``where``) and when a trial's components are made. Default: the metric itself."""
        return self

    def compute(self, fake: Tensor, real: Tensor, dataset: Dataset) -> dict[str, float]:
        """``fake`` and ``real`` are CPU float tensors of equal length, shape (N, *dataset.shape)."""
        raise NotImplementedError
