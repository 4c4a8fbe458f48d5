"""The ``report`` and ``compare`` commands, behind the thin wrappers in :mod:`ganbench.cli`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from ganbench.errors import ConfigError
from ganbench.registry import Registry
from ganbench.report import render
from ganbench.report.load import SuiteResults, load_results
from ganbench.report.stats import ALPHA


def pick_formats(fmt: str | None, out: str | None) -> list[str]:
    """--format (one name, or several joined by commas), else the suffix of --out (.md, .html, .tex),
    else Markdown."""
    if fmt:
        formats = list(dict.fromkeys(f.strip() for f in fmt.split(",") if f.strip()))
        unknown = [f for f in formats if f not in render.FORMATS]
        if unknown or not formats:
            raise ConfigError(
                f"--format {fmt}: choose {', '.join(render.FORMATS)}, or several joined by commas (md,html,latex)"
            )
        return formats
    suffix = Path(out).suffix if out else ""
    return [next((f for f, s in render.FORMATS.items() if s == suffix), "md")]


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
    workers: int = 0,
) -> list[Path]:
    """Write the report of a suite directory (or a results root) in each format; return the paths."""
    from ganbench.report import columns, content
    from ganbench.report.metric_tables import STATUS_WORDS

    _check_alpha(alpha)
    formats = pick_formats(fmt, out)
    target = Path(out) if out else Path(results) / "report"
    if len(formats) > 1 and target.suffix in render.FORMATS.values():
        raise ConfigError(f"--out {target}: several formats need a directory, not a {target.suffix} file")
    suites = load_results(results, registry)
    known = {m for s in suites for m in columns.headline(s)}
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(
            f"--metric {unknown[0]}: not a headline metric of these results; choose from: {', '.join(sorted(known))}"
        )
    doc = content.build(suites, registry, alpha, metrics, figures, render.forms(formats), workers)
    paths = render.write(doc, formats, target)
    for suite in suites:
        counts = suite.counts()
        lost = {s: n for s, n in counts.items() if s != "complete" and n}
        if lost:
            what = ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in lost.items())
            print(
                f"ganbench: note: suite '{suite.name}': {what} of {len(suite.trials)} trials (listed in the report)",
                file=sys.stderr,
            )
    return paths


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
    test: str = "t",
    alpha: float = ALPHA,
    fmt: str | None = None,
    out: str | None = None,
    paired: bool = True,
) -> str:
    """The comparison as Markdown; also written to ``out`` (in ``fmt``) when given.  The same
    directory twice is said in one line, and nothing is written."""
    from ganbench.report.compare import compare as build

    _check_alpha(alpha)
    a, b = Path(results_a), Path(results_b)
    if a.is_dir() and b.is_dir() and a.resolve() == b.resolve():
        return f"A and B are the same directory ({a.resolve()}): nothing to compare.\n"
    doc = build(_one_suite(results_a, registry), _one_suite(results_b, registry), test, alpha, paired)
    if out:
        render.write(doc, pick_formats(fmt, out), Path(out))
    return render.markdown(doc)
