"""A trial's summary figures, and what reports need of its metrics, read from the metrics'
declarations alone.

The harness never names a metric's outputs: the first step at which every mode was
reached comes from each metric's :class:`~ganbench.metrics.base.Coverage` declaration,
the progress text printed after a trial too. A third-party coverage metric therefore
gets the ``all_modes_step`` figure and the progress text exactly as the built-in
``modes`` and ``class-modes`` metrics do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ganbench.metrics.base import Coverage, Metric

#: the convergence figure: first evaluated step at which every coverage figure is full
ALL_MODES_STEP = "all_modes_step"
#: the convergence figure: spread of the convergence distance over the last evaluations
STABILITY = "stability"


def coverages(metrics: Iterable[Metric | type[Metric]]) -> list[Coverage]:
    """The coverage declarations of ``metrics`` (instances or classes), in order."""
    return [m.coverage for m in metrics if m.coverage is not None]


def output_docs(metrics: Iterable[Metric | type[Metric]]) -> dict[str, tuple[str, str]]:
    """Each declared output's (unit, meaning), as reports print them; an output its metric does not
    document is said to be undocumented. Recorded in suite.json, so reports need no plugins."""
    docs: dict[str, tuple[str, str]] = {}
    for m in metrics:
        for output in m.outputs:
            unit, meaning = m.output_docs.get(output, ("", ""))
            docs[output] = (unit, meaning or f"an output of metric '{m.name}' ({m.description}); not documented")
    return docs


def report_sections(metrics: Iterable[Metric | type[Metric]]) -> list[str]:
    """The report sections ``metrics`` declare (``Metric.report_section``), each once, in order."""
    return list(dict.fromkeys(m.report_section for m in metrics if m.report_section))


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


def progress(metrics: Iterable[Metric | type[Metric]], values: Mapping[str, Any]) -> str:
    """The metrics' progress texts for final ``values`` ('modes 7/8'), joined; '' when none applies."""
    texts = [c.progress(values) for c in coverages(metrics)]
    return ", ".join(t for t in texts if t)
