"""``ganbench report`` and ``ganbench compare``: thin wrappers of :mod:`ganbench.report.commands`."""

from __future__ import annotations

import argparse

from ganbench.cli.common import EXIT_OK, load_registry


def cmd_report(args: argparse.Namespace) -> int:
    from ganbench.report.commands import report

    registry = load_registry(args)
    draw = not args.no_figures
    paths = report(
        args.results, args.format, args.out, registry, args.alpha, args.metric or (), draw, args.jobs, args.all_trials
    )
    for path in paths:
        print(f"report: {path}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from ganbench.report.commands import compare

    registry = load_registry(args)
    paired = not args.unpaired
    text = compare(
        args.results_a, args.results_b, registry, args.test, args.alpha, args.format, args.out, paired, args.all_trials
    )
    print(text, end="")
    return EXIT_OK
