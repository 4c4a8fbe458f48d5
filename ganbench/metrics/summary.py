"""A trial's summary figures, read from its metrics' declarations alone.

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

__all__ = ["ALL_MODES_STEP", "STABILITY", "all_modes_step", "convergence", "coverages", "progress", "totals"]


def totals(metrics: Iterable[Metric | type[Metric]]) -> set[str]:
    """Outputs that only hold a coverage total (a table shows them beside their count, not as a column)."""
    return {c.total for c in coverages(metrics)}


def progress(metrics: Iterable[Metric | type[Metric]], values: Mapping[str, Any]) -> str:
    """The metrics' progress texts for final ``values`` ('modes 7/8'), joined; '' when none applies."""
    texts = [c.progress(values) for c in coverages(metrics)]
    return ", ".join(t for t in texts if t)
