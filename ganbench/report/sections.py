"""Report sections that metrics bring with them.

A metric whose results need more than a column (the ``divergences`` metric's matrix of
generators × divergences, say) declares ``report_section = "package.module:function"``
(:attr:`ganbench.metrics.base.Metric.report_section`). The suite records the declarations
in ``suite.json`` when it runs, so a report finds them without the plugin registry, and
calls each function once per dataset, after the dataset's statistics::

    function(suite, dataset, level, anchor, figures) -> list[Block | Job]

``suite`` offers what :class:`SuiteView` lists; ``level`` is the heading level of the
section, ``anchor`` the dataset's anchor prefix, and ``figures`` whether the report draws
figures. The function builds its section from the report's building blocks
(:mod:`ganbench.report.rendering.document`, :class:`ganbench.report.figures.drawing.Job`,
:mod:`ganbench.report.fmt`, :mod:`ganbench.report.statistics.describe`). A section that
cannot be imported is named in a paragraph instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ganbench.report.figures.drawing import Job
from ganbench.report.rendering.document import Block, Paragraph


class TrialView(Protocol):
    """What a section may read of one trial."""

    @property
    def dataset(self) -> str: ...
    @property
    def objective(self) -> str: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def config(self) -> Mapping[str, Any]: ...
    @property
    def final(self) -> Mapping[str, Any]: ...
    def value(self, column: str) -> float: ...


class SuiteView(Protocol):
    """What a section may read of the suite's results (the trials the report uses)."""

    @property
    def name(self) -> str: ...
    @property
    def trials(self) -> Sequence[TrialView]: ...
    @property
    def objectives(self) -> list[str]: ...


Section = Callable[[SuiteView, str, int, str, bool], list[Block | Job]]


def find(target: str) -> Section:
    """The function ``target`` names ("package.module:function"); ImportError if there is none."""
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name, None) if module and name else None
    if not callable(function):
        raise ImportError(f"{target!r} names no function (expected 'package.module:function')")
    return function  # type: ignore[no-any-return]


def blocks(
    targets: Sequence[str], suite: SuiteView, dataset: str, level: int, anchor: str, figures: bool
) -> list[Block | Job]:
    """The sections ``targets`` declare, for ``dataset``, in order."""
    out: list[Block | Job] = []
    for target in targets:
        try:
            section = find(target)
        except ImportError as exc:
            out.append(Paragraph(f"The report section {target} could not be loaded ({exc}); it is left out."))
            continue
        out += section(suite, dataset, level, anchor, figures)
    return out
