"""What a metric is: a function of generated and fresh real samples with declared outputs.

A metric declares everything the harness and the reports read about it: ``outputs`` (each
output's direction), ``coverage`` (which output counts covered modes, which holds their
total, and the progress text), ``floor`` (each output's value for two samples of one
distribution, where that is a known constant), ``output_docs`` (each output's unit and
meaning, which reports print) and ``report_section`` (a report section of its own).
The core never names a metric's outputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from torch import Tensor

from ganbench.components import Component
from ganbench.datasets.base import Dataset

if TYPE_CHECKING:
    from ganbench.models.base import Model
    from ganbench.registry import Registry

MAX, MIN = "max", "min"
DIRECTIONS = (MAX, MIN, "")


@dataclasses.dataclass(frozen=True)
class Coverage:
    """A metric's coverage figure: output ``covered`` counts the modes (classes, support points)
    its samples reach, out of output ``total``; every mode is reached when covered ≥ total.

    ``text`` is the progress text printed after a trial, a :meth:`str.format` template with
    ``{covered}`` and ``{total}`` (floats). The first evaluated step at which every coverage
    figure of a trial's metrics is full is the trial's ``all_modes_step``."""

    covered: str
    total: str
    text: str = "modes {covered:.0f}/{total:.0f}"

    def full(self, values: Mapping[str, float]) -> bool:
        """Whether ``values`` (a history record or final metrics) reach every mode."""
        if self.covered not in values or self.total not in values:
            return False
        return bool(values[self.covered] >= values[self.total])

    def progress(self, values: Mapping[str, float]) -> str | None:
        """The progress text for ``values``, or None when they lack either figure."""
        if self.covered not in values or self.total not in values:
            return None
        return self.text.format(covered=float(values[self.covered]), total=float(values[self.total]))


# ------------------------------------------------------------ a trial's convergence figures
# Read from its metrics' declarations alone (the trainer writes them into the final record).

#: the convergence figure: first evaluated step at which every coverage figure is full
ALL_MODES_STEP = "all_modes_step"
#: the convergence figure: spread of the convergence distance over the last evaluations
STABILITY = "stability"


def coverages(metrics: Iterable[Metric | type[Metric]]) -> list[Coverage]:
    """The coverage declarations of ``metrics`` (instances or classes), in order."""
    return [m.coverage for m in metrics if m.coverage is not None]


def all_modes_step(history: Sequence[Mapping[str, Any]], metrics: Iterable[Metric | type[Metric]]) -> int | None:
    """First step of ``history`` at which every coverage figure of ``metrics`` is full (None = never)."""
    covs = coverages(metrics)
    return next((int(r["step"]) for r in history if all(c.full(r) for c in covs)), None)


def convergence(
    history: Sequence[Mapping[str, Any]], metrics: Iterable[Metric | type[Metric]], distance: str, window: int
) -> dict[str, Any]:
    """A trial's convergence figures from its metric history.

    ``all_modes_step``, present when some metric declares a coverage figure: the first
    evaluated step at which every declared coverage figure is full (None = never).
    ``stability``: the standard deviation of output ``distance`` over the last ``window``
    evaluations (None when no evaluation has it)."""
    metrics = list(metrics)
    out: dict[str, Any] = {}
    if coverages(metrics):
        out[ALL_MODES_STEP] = all_modes_step(history, metrics)
    tail = [r[distance] for r in history[-window:] if distance and distance in r]
    out[STABILITY] = float(np.std(tail)) if tail else None
    return out


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """The evaluation a metric is computed at, for a metric that asks for it
    (``uses_evaluation = True``) and for its :meth:`Metric.due`.

    ``seed`` is the trial's evaluation seed at this step, the seed of the evaluation's own
    samples, never of training: a metric that needs random numbers derives its own
    generator from it (e.g. ``ganbench.stacking.draws.stream_seed(seed, "my-metric")``)."""

    step: int
    final: bool  # the trial's last evaluation (step == train.steps)
    seed: int
    model: Model  # the trial's model: a metric may build networks of the suite's architecture


@dataclasses.dataclass(frozen=True)
class Metric(Component):
    """Subclasses declare ``outputs`` (name -> "max" if higher is better, "min" if lower,
    "" if neither) and return one float per output from ``compute``.  ``output_docs`` gives
    each output's unit and meaning (name -> (unit, meaning)), which reports print beside it."""

    outputs: ClassVar[dict[str, str]] = {}
    output_docs: ClassVar[dict[str, tuple[str, str]]] = {}
    #: whether ``compute`` also receives ``evaluation=``, the :class:`Evaluation` it runs at
    uses_evaluation: ClassVar[bool] = False
    #: which output is a coverage count, its total and its progress text (None: no coverage figure)
    coverage: ClassVar[Coverage | None] = None
    #: each output's value for two large samples of one distribution, where that is a known
    #: constant (an energy distance's 0); ``ganbench.testing.check_metric`` checks against it
    floor: ClassVar[dict[str, float]] = {}
    #: a section of its own in reports, as "package.module:function" (see :mod:`ganbench.report.sections`);
    #: "" for none. Recorded in suite.json, so a report needs no plugin registry to find it
    report_section: ClassVar[str] = ""

    def supports(self, dataset: Dataset) -> str | None:
        """Why this metric cannot be computed on ``dataset``, or None if it can (checked when a
        suite is validated: a suite-level metric is skipped on such a dataset, a dataset's own
        metric is an error)."""
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

    def recorded(self, dataset: Dataset) -> dict[str, str]:
        """Every value ``compute`` returns on ``dataset``, name -> direction: by default the
        declared ``outputs``. A metric whose values depend on its options (one per component
        it names) returns them all here; only the declared ``outputs`` are results columns."""
        return dict(type(self).outputs)

    def compute(self, *, real: Tensor, fake: Tensor, dataset: Dataset) -> dict[str, float]:
        """One float per output. ``real`` (fresh data) and ``fake`` (generated) are CPU float
        tensors of equal length, shape (N, *dataset.shape); both are keyword-only, so they
        cannot be swapped by position. A metric with ``uses_evaluation = True`` also receives
        ``evaluation=``, the :class:`Evaluation` it runs at."""
        raise NotImplementedError
