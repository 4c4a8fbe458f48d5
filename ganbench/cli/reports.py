"""``ganbench report`` and ``ganbench compare``: :func:`ganbench.report` and :func:`ganbench.compare`."""

from __future__ import annotations

import argparse

from ganbench.cli.common import EXIT_OK, load_registry


def cmd_report(args: argparse.Namespace) -> int:
    from ganbench.api import report

    registry = load_registry(args)
    paths = report(
        args.results,
        args.format,
        args.out,
        args.alpha,
        args.metric or (),
        not args.no_figures,
        args.jobs,
        args.all_trials,
        registry,
    )
    for path in paths:
        print(f"report: {path}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from ganbench.api import compare

    registry = load_registry(args)
    paired = not args.unpaired
    text = compare(
        args.results_a, args.results_b, args.test, args.alpha, paired, args.format, args.out, args.all_trials, registry
    )
    print(text, end="")
    return EXIT_OK
