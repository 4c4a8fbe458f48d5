"""``ganbench validate`` and ``ganbench run``: a suite checked, or trained and compared."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from ganbench.cli.common import EXIT_INTERRUPTED, EXIT_OK, EXIT_TRIALS_FAILED, load_registry
from ganbench.text import plural

if TYPE_CHECKING:
    from ganbench.results import SuiteResults


def cmd_validate(args: argparse.Namespace) -> int:
    from ganbench.suite import load_suite

    registry = load_registry(args)
    suite = load_suite(args.suite, registry)
    print(
        f"{args.suite}: ok — {len(suite.trials)} trials ({suite.count('dataset')} datasets × "
        f"{suite.count('objective')} objectives × {len(suite.seeds)} seeds), suite '{suite.name}'"
    )
    for skip in suite.skipped:
        print(f"  skips {skip.describe()}")
    if suite.search is not None:
        from ganbench.cli.search import describe_search

        for line in describe_search(suite):
            print(f"  {line}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from ganbench.cli.training import Trainer
    from ganbench.loggers.specs import logger_specs
    from ganbench.results import SuiteStore
    from ganbench.suite import load_suite

    registry = load_registry(args)
    suite = load_suite(args.suite, registry)
    loggers = suite.log if args.log is None else logger_specs(args.log, "--log", registry)
    store = SuiteStore.under(args.out, suite.name)
    listed: list[str] = [] if suite.search else [t.id for t in suite.trials]
    trainer = Trainer(
        args, registry, suite.name, store, lambda: store.write_suite(suite, str(args.suite), listed), loggers
    )
    for skip in suite.skipped:
        print(f"ganbench: note: suite '{suite.name}' skips {skip.describe()}", file=sys.stderr)
    t0 = time.perf_counter()
    if suite.search is None:
        done = trainer(suite.trials)
        current = [t.id for t in suite.trials]
    else:
        from ganbench.cli.search import run_search

        tuned = run_search(suite, store, trainer)
        done = tuned is not None
        current = tuned or []
        if done:
            store.write_suite(suite, str(args.suite), current)  # the headline: the tuned trials
    if not done:
        print(
            f"interrupted: checkpoints written; rerun `ganbench run {args.suite}` with the same options to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    trainer.close()
    wall = time.perf_counter() - t0
    results = store.write_summary(store.load(registry))
    print_tables(suite.name, results.select(current))
    print(f"\n{trainer.trained} trials run in {wall:.1f}s; summary: {store.summary_file}")
    if trainer.failed:
        print(
            f"ganbench: {plural(len(trainer.failed), 'trial')} failed with an error "
            f"({', '.join(trainer.failed)}); tracebacks are in each trial's error.txt",
            file=sys.stderr,
        )
        return EXIT_TRIALS_FAILED
    return EXIT_OK


def print_tables(name: str, results: SuiteResults) -> None:
    from ganbench.report.console import console_tables

    for dataset, table in console_tables(results).items():
        print(f"\n## {name} / {dataset}  (mean ± std over seeds; ↑ higher is better, ↓ lower is better)\n")
        print(table)
