"""``ganbench report`` and ``ganbench compare``: thin wrappers of :mod:`ganbench.report.commands`."""

from __future__ import annotations

import argparse

from ganbench.cli.common import EXIT_OK, load_registry


def cmd_report(args: argparse.Namespace) -> int:
    from ganbench.report.commands import report

    registry = load_registry(args)
    paths = report(
        args.results, args.format, args.out, registry, args.alpha, args.metric or (), not args.no_figures, args.jobs
    )
    for path in paths:
        print(f"report: {path}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from ganbench.report.commands import compare

    registry = load_registry(args)
    text = compare(
        args.results_a, args.results_b, registry, args.test, args.alpha, args.format, args.out, not args.unpaired
    )
    print(text, end="")
    return EXIT_OK
