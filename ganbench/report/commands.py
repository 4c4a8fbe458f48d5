"""The ``report`` and ``compare`` commands, behind the thin wrappers in :mod:`ganbench.cli`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganbench.errors import ConfigError
from ganbench.report.rendering import render
from ganbench.report.statistics.describe import ALPHA
from ganbench.results.reader import SuiteResults, load_results

if TYPE_CHECKING:
    import numpy as np

    from ganbench.registry import Registry

#: samples drawn from the dataset for the density behind the sample grids
DENSITY_SAMPLES = 20_000


def pick_formats(fmt: str | None, out: str | Path | None) -> list[str]:
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


def real_samples(registry: Registry, n: int = DENSITY_SAMPLES) -> Callable[[Mapping[str, Any]], np.ndarray | None]:
    """Fresh samples of a trial's dataset (its resolved config) from its plugin in ``registry``,
    or None if the plugin is not available: the backdrop of a report's 2-D sample figures."""

    def sample(config: Mapping[str, Any]) -> np.ndarray | None:
        try:
            import torch

            from ganbench.components import build

            dataset = build(registry.get("datasets", config["name"]), config.get("params", {}), "dataset")
            return dataset.sample(n, generator=torch.Generator().manual_seed(0)).float().numpy()
        except Exception:
            return None

    return sample


def _default_target(suites: Sequence[SuiteResults]) -> Path:
    """Where a report of results already loaded goes by default: the suite's directory, or the
    directory that holds the suites' (a results root), each with ``report`` inside."""
    if len(suites) == 1:
        return suites[0].path / "report"
    return Path(os.path.commonpath([s.path.absolute() for s in suites])) / "report"


def report(
    results: str | Path | Sequence[SuiteResults],
    fmt: str | None,
    out: str | Path | None,
    registry: Registry | None,
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    figures: bool = True,
    workers: int = 0,
    all_trials: bool = False,
) -> list[Path]:
    """Write the report of a suite directory (or a results root, or suites already loaded) in each
    format; return the paths. The report reads the suite's current trials (``all_trials``: every
    trial of the directory; results already loaded are reported as they are);
    ``registry`` only draws real data behind sample figures, and reads what results written before
    suite.json recorded it say of their metrics."""
    from ganbench.report import columns, content, context
    from ganbench.report.metric_tables import STATUS_WORDS

    _check_alpha(alpha)
    formats = pick_formats(fmt, out)
    target = Path(out) if out else None
    if target is not None and len(formats) > 1 and target.suffix in render.FORMATS.values():
        raise ConfigError(f"--out {target}: several formats need a directory, not a {target.suffix} file")
    if isinstance(results, (str, Path)):
        suites = load_results(results, registry, all_trials)
        target = target or Path(results) / "report"
    else:
        suites = list(results)
        if not suites:
            raise ConfigError("no results to report")
        target = target or _default_target(suites)
    known = {m for s in suites for m in columns.headline(s)}
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(
            f"--metric {unknown[0]}: not a headline metric of these results; choose from: {', '.join(sorted(known))}"
        )
    backdrop = real_samples(registry) if registry is not None else None
    doc = content.build(suites, alpha, metrics, figures, render.forms(formats), workers, backdrop)
    paths = render.write(doc, formats, target)
    for suite in suites:
        if suite.others:
            print(f"ganbench: note: {context.others_note(suite)}", file=sys.stderr)
        counts = suite.counts()
        lost = {s: n for s, n in counts.items() if s != "complete" and n}
        if lost:
            what = ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in lost.items())
            print(
                f"ganbench: note: suite '{suite.name}': {what} of {len(suite.trials)} trials (listed in the report)",
                file=sys.stderr,
            )
    return paths


def _one_suite(path: str | Path | SuiteResults, registry: Registry | None, all_trials: bool) -> SuiteResults:
    if isinstance(path, SuiteResults):
        return path
    suites = load_results(path, registry, all_trials)
    if len(suites) != 1:
        names = ", ".join(str(s.path) for s in suites)
        raise ConfigError(f"{path}: holds {len(suites)} suites ({names}); name one suite directory")
    return suites[0]


def compare(
    results_a: str | Path | SuiteResults,
    results_b: str | Path | SuiteResults,
    registry: Registry | None,
    test: str = "t",
    alpha: float = ALPHA,
    fmt: str | None = None,
    out: str | Path | None = None,
    paired: bool = True,
    all_trials: bool = False,
) -> str:
    """The comparison as Markdown; also written to ``out`` (in ``fmt``) when given.  The same
    directory twice is said in one line, and nothing is written.  Each side is its suite's
    current trials (``all_trials``: every trial of its directory), or one suite's results already loaded."""
    from ganbench.report.compare import compare as build

    _check_alpha(alpha)
    a, b = (r.path if isinstance(r, SuiteResults) else Path(r) for r in (results_a, results_b))
    if a.is_dir() and b.is_dir() and a.resolve() == b.resolve():
        return f"A and B are the same directory ({a.resolve()}): nothing to compare.\n"
    doc = build(
        _one_suite(results_a, registry, all_trials), _one_suite(results_b, registry, all_trials), test, alpha, paired
    )
    if out:
        render.write(doc, pick_formats(fmt, out), Path(out))
    return render.markdown(doc)
