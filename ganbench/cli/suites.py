"""``ganbench validate`` and ``ganbench run``: a suite checked, or trained (:func:`ganbench.run`) and compared."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ganbench.cli.common import EXIT_INTERRUPTED, EXIT_OK, EXIT_TRIALS_FAILED, load_registry
from ganbench.errors import ConfigError
from ganbench.text import plural

if TYPE_CHECKING:
    from ganbench.registry import Registry
    from ganbench.results import SuiteResults


def cmd_validate(args: argparse.Namespace) -> int:
    from ganbench.api import load_suite

    suite = load_suite(args.suite, load_registry(args))
    print(
        f"{args.suite}: ok — {plural(len(suite.trials), 'trial')} ({plural(suite.count('dataset'), 'dataset')} × "
        f"{plural(suite.count('objective'), 'objective')} × {plural(len(suite.seeds), 'seed')}), suite '{suite.name}'"
    )
    for skip in suite.skipped:
        print(f"  skips {skip.describe()}")
    if suite.published is not None:
        figures = sum(len(row.values) for row in suite.published.rows)
        print(f"  published: {plural(figures, 'figure')} to compare with, from {suite.published.source}")
    if suite.search is not None:
        from ganbench.runner.search import describe_search

        for line in describe_search(suite):
            print(f"  {line}")
    return EXIT_OK


def executor_options(args: argparse.Namespace, registry: Registry) -> dict[str, Any]:
    """The options of ``--executor`` that executors add (:meth:`ganbench.Executor.add_options`),
    by destination; one given without its executor is an error naming the executor it belongs to."""
    from ganbench.executors import own_options

    chosen: dict[str, Any] = {}
    for name, cls in registry.items["executors"].items():
        for action in own_options(cls):
            value = getattr(args, action.dest, action.default)
            if name == args.executor:
                chosen[action.dest] = value
            elif value != action.default:
                flag = max(action.option_strings, key=len)
                other = f"not of --executor {args.executor}" if args.executor else f"add --executor {name}"
                raise ConfigError(f"{flag} is an option of --executor {name}: {other}")
    return chosen


def cmd_run(args: argparse.Namespace) -> int:
    from ganbench.api import run

    registry = args.registry if args.registry is not None else load_registry(args)
    result = run(
        args.suite,
        out=args.out,
        device=args.device,
        vectorize=args.vectorize,
        jobs=args.jobs,
        threads=args.threads,
        executor=args.executor,
        executor_options=executor_options(args, registry),
        registry=registry,
        log=args.log,
        steps=args.steps,
    )
    if result.interrupted:
        print(
            f"interrupted: checkpoints written; rerun `ganbench run {args.suite}` with the same options to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print_tables(result.suite, result.results().suites[0])
    print(f"\n{result.trained} trials run in {result.wall_time:.1f}s; summary: {result.summary_file}")
    if result.failed:
        print(
            f"ganbench: {plural(len(result.failed), 'trial')} failed with an error "
            f"({', '.join(o.name for o in result.failed)}); tracebacks are in each trial's error.txt",
            file=sys.stderr,
        )
        return EXIT_TRIALS_FAILED
    return EXIT_OK


def print_tables(name: str, results: SuiteResults) -> None:
    from ganbench.report.console import console_tables

    for dataset, table in console_tables(results).items():
        print(f"\n## {name} / {dataset}  (mean ± std over seeds; ↑ higher is better, ↓ lower is better)\n")
        print(table)
