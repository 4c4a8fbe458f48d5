"""The ``report`` and ``compare`` commands, behind the thin wrappers in :mod:`ganbench.cli`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from ganbench.errors import ConfigError
from ganbench.plugins import Registry
from ganbench.report import render
from ganbench.report.load import SuiteResults, load_results
from ganbench.report.stats import ALPHA


def pick_format(fmt: str | None, out: str | None) -> str:
    """--format, else the suffix of --out (.md, .html, .tex), else Markdown."""
    if fmt:
        return fmt
    suffix = Path(out).suffix if out else ""
    return next((f for f, s in render.FORMATS.items() if s == suffix), "md")


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ConfigError(f"--alpha {alpha}: choose a significance level between 0 and 1")


def report(
    results: str,
    fmt: str | None,
    out: str | None,
    registry: Registry | None,
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    figures: bool = True,
) -> Path:
    """Write the report of a suite directory (or a results root) and return its path."""
    from ganbench.report import content

    _check_alpha(alpha)
    fmt = pick_format(fmt, out)
    suites = load_results(results, registry)
    known = {m for s in suites for m in content.headline(s)}
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(
            f"--metric {unknown[0]}: not a headline metric of these results; choose from: {', '.join(sorted(known))}"
        )
    doc = content.build(suites, registry, alpha=alpha, metrics=metrics, figures=figures)
    path = render.write(doc, fmt, Path(out) if out else Path(results) / "report")
    for suite in suites:
        counts = suite.counts()
        lost = {s: n for s, n in counts.items() if s != "complete" and n}
        if lost:
            what = ", ".join(f"{n} {content.STATUS_WORDS[s]}" for s, n in lost.items())
            print(
                f"ganbench: note: suite '{suite.name}': {what} of {len(suite.trials)} trials (listed in the report)",
                file=sys.stderr,
            )
    return path


def _one_suite(path: str, registry: Registry | None) -> SuiteResults:
    suites = load_results(path, registry)
    if len(suites) != 1:
        names = ", ".join(str(s.path) for s in suites)
        raise ConfigError(f"{path}: holds {len(suites)} suites ({names}); name one suite directory")
    return suites[0]


def compare(
    results_a: str,
    results_b: str,
    registry: Registry | None,
    test: str = "welch",
    alpha: float = ALPHA,
    fmt: str | None = None,
    out: str | None = None,
) -> str:
    """The comparison as Markdown; also written to ``out`` (in ``fmt``) when given."""
    from ganbench.report.compare import compare as build

    _check_alpha(alpha)
    doc = build(_one_suite(results_a, registry), _one_suite(results_b, registry), test=test, alpha=alpha)
    if out:
        render.write(doc, pick_format(fmt, out), Path(out))
    return render.markdown(doc)
