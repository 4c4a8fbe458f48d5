"""A trial's summary figures come from its metrics' declarations alone (ganbench.metrics.summary)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from ganbench.metrics import Coverage, Metric, summary
from ganbench.metrics.images import ClassModes
from ganbench.metrics.modes import ModeCoverage


class Cells(Metric):
    """A third-party coverage metric (only its declarations matter here)."""

    outputs: ClassVar[dict[str, str]] = {"cells": "max", "of": ""}
    coverage: ClassVar[Coverage | None] = Coverage(
        covered="cells", total="of", text="cells {covered:.0f} of {total:.0f}"
    )


HISTORY = [
    {"step": 0, "modes_captured": 3.0, "modes_total": 8.0, "cells": 1.0, "of": 4.0, "wasserstein": 0.9},
    {"step": 10, "modes_captured": 8.0, "modes_total": 8.0, "cells": 3.0, "of": 4.0, "wasserstein": 0.5},
    {"step": 20, "modes_captured": 7.0, "modes_total": 8.0, "cells": 4.0, "of": 4.0, "wasserstein": 0.4},
    {"step": 30, "modes_captured": 8.0, "modes_total": 8.0, "cells": 4.0, "of": 4.0, "wasserstein": 0.1},
]


def test_all_modes_step_is_the_first_step_with_the_coverage_full():
    assert summary.convergence(HISTORY, [ModeCoverage()], "wasserstein", 2)["all_modes_step"] == 10
    assert summary.convergence(HISTORY, [Cells], "wasserstein", 2)["all_modes_step"] == 20


def test_with_two_coverage_metrics_every_one_must_be_full_at_once():
    assert summary.convergence(HISTORY, [ModeCoverage, Cells], "wasserstein", 2)["all_modes_step"] == 30
    assert summary.convergence(HISTORY[:3], [ModeCoverage, Cells], "wasserstein", 2)["all_modes_step"] is None


def test_without_a_coverage_metric_there_is_no_all_modes_step():
    assert "all_modes_step" not in summary.convergence(HISTORY, [], "wasserstein", 2)


def test_stability_is_the_spread_of_the_distance_over_the_window():
    figures = summary.convergence(HISTORY, [ModeCoverage], "wasserstein", 3)
    assert figures["stability"] == pytest.approx(np.std([0.5, 0.4, 0.1]))
    assert summary.convergence(HISTORY, [ModeCoverage], "", 3)["stability"] is None


def test_the_progress_text_is_each_declarations_own():
    final = HISTORY[-1]
    assert summary.progress([ModeCoverage, Cells], final) == "modes 8/8, cells 4 of 4"
    assert summary.progress([ClassModes], {"modes_covered": 712.0, "modes_total": 1000.0}) == "modes 712/1000"
    assert summary.progress([ModeCoverage], {"energy": 1.0}) == ""  # a diverged trial without the figures


def test_output_docs_document_every_output_and_say_where_a_metric_does_not():
    docs = summary.output_docs([ModeCoverage, Cells])
    assert set(docs) == set(ModeCoverage.outputs) | set(Cells.outputs)
    undocumented = [o for o in Cells.outputs if o not in Cells.output_docs]
    assert undocumented and all(docs[o][1].endswith("not documented") for o in undocumented)


def test_report_sections_are_each_declared_section_once_in_order():
    from ganbench.metrics.divergences import Divergences

    assert summary.report_sections([ModeCoverage, Divergences, Divergences]) == [Divergences.report_section]
    assert summary.report_sections([ModeCoverage, Cells]) == []
