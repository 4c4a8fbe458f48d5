"""What a report needs of a suite's components is recorded in suite.json when the suite runs,
so results are read without the plugin registry: each metric output's documentation, the
report sections metrics declare (``Metric.report_section``), each objective's divergence.
A metric's section, a plugin's as much as a built-in's, is found through its declaration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ganbench.report import columns, content
from ganbench.report.rendering.document import Heading, Paragraph
from ganbench.results import SuiteStore, load_results
from ganbench.suite import load_suite
from tests.helpers.report import FIXTURE


def section(suite, dataset, level, anchor, figures):
    """A report section as a plugin metric would declare it ("tests.report.test_report_sections:section")."""
    n = sum(t.dataset == dataset and t.status == "complete" for t in suite.trials)
    return [Heading(f"{dataset}: the plugin's own section", level, anchor=f"{anchor}-own"), Paragraph(f"{n} complete")]


def _results_with(tmp_path: Path, registry, **extra) -> Path:
    """The report fixture's results with a suite.json as ``ganbench run`` writes it now (plus ``extra``)."""
    copy = tmp_path / "fixture"
    shutil.copytree(FIXTURE, copy)
    listed = json.loads((copy / "suite.json").read_text())["trials"]  # ids of the code that ran them
    SuiteStore(copy).write_suite(
        load_suite(FIXTURE.parent / "fixture.toml", registry), "tests/fixtures/report/fixture.toml"
    )
    meta = json.loads((copy / "suite.json").read_text())
    (copy / "suite.json").write_text(json.dumps({**meta, "trials": listed, **extra}))
    return copy


def test_suite_json_records_docs_sections_and_divergences(tmp_path, registry):
    suite_dir = _results_with(tmp_path, registry)
    meta = json.loads((suite_dir / "suite.json").read_text())
    energy = registry.get("metrics", "energy")
    assert meta["output_docs"]["energy"] == list(energy.output_docs["energy"])
    assert set(meta["output_docs"]) == set(meta["metric_outputs"])
    assert meta["report_sections"] == []  # none of the fixture's metrics brings one
    assert meta["objective_divergences"] == {
        o: str(registry.get("objectives", o).divergence) for o in ("nonsaturating", "hinge", "wgan-gp")
    }


def test_the_divergences_metric_declares_its_section():
    from ganbench.metrics.divergences import Divergences
    from ganbench.report.sections import find

    assert find(Divergences.report_section).__module__ == "ganbench.metrics.divergences_report"


def test_a_report_reads_the_metrics_documentation_without_plugins(tmp_path, registry):
    suite_dir = _results_with(tmp_path, registry)
    [with_plugins] = load_results(FIXTURE, registry)  # the old suite.json: from the plugins
    [without] = load_results(suite_dir)
    shown = {**columns.headline(without), "estimate": ""}
    assert columns.describe(without, shown) == columns.describe(with_plugins, shown)
    assert all(c.meaning != columns.NOT_DOCUMENTED for c in columns.describe(without, shown).values())
    assert without.divergences == with_plugins.divergences
    doc = content.build([without], draw=False)
    estimates = next(t for t in doc.tables if t.key == "fixture-ring-estimate")
    assert {r[0].text: r[1].text for r in estimates.rows} == {
        o: without.divergences[o] for o in ("nonsaturating", "hinge", "wgan-gp")
    }


def test_old_results_read_without_plugins_say_their_columns_are_undocumented():
    [suite] = load_results(FIXTURE)
    assert columns.describe(suite, {"energy": "min"})["energy"].meaning == columns.NOT_DOCUMENTED


def test_a_declared_section_appears_once_per_dataset(tmp_path, registry):
    suite_dir = _results_with(tmp_path, registry, report_sections=["tests.report.test_report_sections:section"])
    doc = content.build(load_results(suite_dir), draw=False)
    headings = [b.text for b in doc.blocks if isinstance(b, Heading) and "plugin's own" in b.text]
    assert headings == ["ring: the plugin's own section", "grid: the plugin's own section"]
    counts = [b.text for b in doc.blocks if isinstance(b, Paragraph) and b.text.endswith(" complete")]
    assert counts == ["8 complete", "8 complete"]


def test_a_section_that_cannot_be_imported_is_named_not_raised(tmp_path, registry):
    suite_dir = _results_with(tmp_path, registry, report_sections=["no_such_module:section"])
    doc = content.build(load_results(suite_dir), draw=False)
    notes = [b.text for b in doc.blocks if isinstance(b, Paragraph) and "could not be loaded" in b.text]
    assert len(notes) == 2 and all("no_such_module:section" in n for n in notes)
