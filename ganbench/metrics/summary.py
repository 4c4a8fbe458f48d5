"""A trial's summary figures, and what reports need of its metrics, read from the metrics'
declarations alone.

The harness never names a metric's outputs: the first step at which every mode was
reached comes from each metric's :class:`~ganbench.metrics.base.Coverage` declaration,
the progress text printed after a trial too. A third-party coverage metric therefore
gets the ``all_modes_step`` figure and the progress text exactly as the built-in
``modes`` and ``class-modes`` metrics do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ganbench.metrics.base import (
    ALL_MODES_STEP,
    STABILITY,
    Metric,
    all_modes_step,
    convergence,
    coverages,
)

__all__ = ["ALL_MODES_STEP", "STABILITY", "all_modes_step", "convergence", "coverages", "progress"]


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


def progress(metrics: Iterable[Metric | type[Metric]], values: Mapping[str, Any]) -> str:
    """The metrics' progress texts for final ``values`` ('modes 7/8'), joined; '' when none applies."""
    texts = [c.progress(values) for c in coverages(metrics)]
    return ", ".join(t for t in texts if t)
