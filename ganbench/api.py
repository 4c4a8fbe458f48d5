"""ganbench from Python: load a suite, run it, read its results as frames, write a report.

Every ``ganbench run``, ``report`` and ``compare`` goes through these functions; the command
line only parses arguments and prints. Each call works with the plugin registry it is given
(``registry=``, made with :func:`ganbench.load_plugins`) or one it loads for itself (the
built-ins and installed plugins): nothing one call loads is seen by the next.

    suite = ganbench.load_suite("suites/quick.toml")
    result = ganbench.run(suite, out="results")
    frame = result.results().frame()
    ganbench.report(result.results(), formats=("md", "html"))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganbench.registry import Registry
    from ganbench.results.collection import Results
    from ganbench.results.reader import SuiteResults
    from ganbench.runner.progress import Progress
    from ganbench.runner.result import RunResult
    from ganbench.suite import Suite

#: the significance level of reports and comparisons
ALPHA = 0.05


def load_plugins(plugins_dir: str | Path | Sequence[str | Path] | None = None) -> Registry:
    """A fresh registry: the built-in components, the installed plugins (``ganbench`` entry
    points, as ``GANBENCH_PLUGINS`` allows) and the plugin files of ``plugins_dir`` (a directory,
    or several in order; none by default)."""
    from ganbench.plugins import load_plugins as load

    return load(plugins_dir)


def _registry(registry: Registry | None) -> Registry:
    return registry if registry is not None else load_plugins(None)


def load_suite(path: str | Path, registry: Registry | None = None) -> Suite:
    """Read and validate a suite file with ``registry`` (default: a fresh one of the built-ins
    and installed plugins); a bad file raises :class:`ganbench.errors.ConfigError`, one line
    naming the file, the key and the line. The suite remembers its registry, which runs it."""
    from ganbench.suite import load_suite as load

    return load(path, _registry(registry))


def run(
    suite: Suite | str | Path,
    out: str | Path = "results",
    device: str = "auto",
    vectorize: str | int = "auto",
    jobs: int | None = None,
    threads: int = 1,
    executor: str | None = None,
    executor_options: Mapping[str, Any] | None = None,
    progress: bool | Progress = True,
    registry: Registry | None = None,
    log: Sequence[str] | None = None,
    steps: int | None = None,
) -> RunResult:
    """Train every trial of ``suite`` (a suite file, or a suite :func:`load_suite` read) into
    ``out``/NAME, as ``ganbench run`` does, and return what became of each trial.

    ``device``: auto, cpu, cuda, cuda:N or mps. ``vectorize``: auto, off or a group size.
    ``jobs``: groups trained at once (default: one per CPU core on the CPU, one on a GPU),
    each with ``threads`` torch threads. ``executor``: an executor's name (default: inline
    for one job, a process pool for more), with ``executor_options`` its own options by
    destination (``{"ray_address": "auto"}``). ``progress``: a bar or lines on stderr
    (a widget in a notebook); False for silence, or a :class:`ganbench.Progress` to follow
    the run. ``registry``: the plugins to use (default: the suite's own, else a fresh one).
    ``log``: logger names (``["tensorboard", "mlflow"]``) every trial reports to as it trains,
    instead of the suite's ``log``; logging changes no result. ``steps``: every trial trains this
    many generator steps instead of the suite's (evaluation and checkpoint intervals capped to
    them); the trials get their own ids, and suite.json and the report say so.

    Trials that finished before are skipped. Ctrl-C stops at the next step boundary with
    checkpoints written, and the result says ``interrupted``: running again resumes.
    Bad input raises :class:`ganbench.errors.ConfigError` before anything is written.
    """
    from ganbench.runner.options import run_options
    from ganbench.runner.progress import ConsoleProgress
    from ganbench.runner.progress import Progress as Silent
    from ganbench.runner.suite import run_suite

    if isinstance(suite, (str, Path)):
        source = str(suite)
        registry = _registry(registry)
        suite = load_suite(suite, registry)
    else:
        source = str(suite.path)
        registry = registry if registry is not None else _registry(suite.registry)
    options = run_options(registry, device, vectorize, jobs, threads, executor, executor_options, steps)
    if log is not None:
        from ganbench.loggers.specs import logger_specs

        options = dataclasses.replace(options, loggers=tuple(logger_specs(list(log), "--log", registry)))
    reporter = progress if isinstance(progress, Silent) else ConsoleProgress() if progress else Silent()
    return run_suite(suite, source, out, options, registry, reporter)


def load_results(path: str | Path, registry: Registry | None = None, all_trials: bool = False) -> Results:
    """The results of a suite directory (results/NAME) or of every suite under a results root:
    ``.frame()`` has one row per trial, ``.history()`` one per figure of every evaluation.
    ``all_trials`` adds the trials of earlier versions of each suite. Reading needs no plugins
    (``registry`` only for results written before suite.json recorded what reports need)."""
    from ganbench.results.collection import Results

    return Results.load(path, registry, all_trials)


def _suites(results: Results | RunResult | SuiteResults | str | Path) -> Sequence[SuiteResults] | str | Path:
    from ganbench.results.collection import Results
    from ganbench.results.reader import SuiteResults
    from ganbench.runner.result import RunResult

    if isinstance(results, RunResult):
        return results.results().suites
    if isinstance(results, Results):
        return results.suites
    if isinstance(results, SuiteResults):
        return [results]
    return results


def _formats(formats: str | Sequence[str] | None) -> str | None:
    return formats if formats is None or isinstance(formats, str) else ",".join(formats)


def report(
    results: Results | RunResult | SuiteResults | str | Path,
    formats: str | Sequence[str] | None = None,
    out: str | Path | None = None,
    alpha: float = ALPHA,
    metrics: Sequence[str] = (),
    figures: bool = True,
    jobs: int = 0,
    all_trials: bool = False,
    registry: Registry | None = None,
) -> list[Path]:
    """Write the report of ``results`` (loaded results, a run's, or a results directory) in each
    of ``formats`` (md, html, latex; default: from ``out``'s suffix, else md) to ``out``
    (default: the suite directory's ``report``); return the files written. ``metrics``: rank
    and test only these; ``figures``: draw the plots (``jobs`` processes, default one per core);
    ``registry`` draws the real data behind sample figures (default: a fresh one)."""
    from ganbench.report.commands import report as write

    target = _suites(results)
    return write(target, _formats(formats), out, _registry(registry), alpha, metrics, figures, jobs, all_trials)


def compare(
    results_a: Results | RunResult | SuiteResults | str | Path,
    results_b: Results | RunResult | SuiteResults | str | Path,
    test: str = "t",
    alpha: float = ALPHA,
    paired: bool = True,
    formats: str | Sequence[str] | None = None,
    out: str | Path | None = None,
    all_trials: bool = False,
    registry: Registry | None = None,
) -> str:
    """Per objective and metric, did B change A significantly? The comparison as Markdown, also
    written to ``out`` when given. ``test``: t (paired on shared seeds, else Welch's) or rank
    (Wilcoxon signed-rank, else Mann-Whitney U); ``paired=False`` never pairs runs by seed."""
    from ganbench.errors import ConfigError
    from ganbench.report.commands import compare as build

    if test not in ("t", "rank"):
        raise ConfigError(f"test {test!r}: choose t or rank")
    sides: list[SuiteResults | str | Path] = []
    for side in (results_a, results_b):
        suites = _suites(side)
        if not isinstance(suites, (str, Path)):
            if len(suites) != 1:
                raise ConfigError(f"compare takes one suite on each side, got {len(suites)}")
            sides.append(suites[0])
        else:
            sides.append(suites)
    fmt = _formats(formats)
    return build(sides[0], sides[1], registry, test, alpha, fmt, out, paired, all_trials)
