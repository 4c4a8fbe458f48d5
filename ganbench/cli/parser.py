"""The ``ganbench`` command line's parser: every command, its options and their checks."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ganbench.cli.components import cmd_list, cmd_new, cmd_plugins
from ganbench.cli.reports import cmd_compare, cmd_report
from ganbench.cli.status import cmd_status
from ganbench.cli.suites import cmd_run, cmd_validate
from ganbench.errors import ConfigError
from ganbench.kinds import KINDS, SCAFFOLDED
from ganbench.loggers.specs import split_names
from ganbench.version import __version__

#: ``report`` and ``compare``: by default only the trials the suite lists now (suite.json)
ALL_TRIALS_HELP = (
    "also the trials of earlier versions of the suite that the directory holds, each objective labelled by "
    "the settings its trials differ in (default: only the trials suite.json lists)"
)


def add_executor_options(run: argparse.ArgumentParser, executors: Sequence[Any] | None) -> None:
    """Each executor's own options (:meth:`ganbench.Executor.add_options`), as ``ganbench run``'s;
    one that clashes with an option already there is a one-line error naming the executor."""
    from ganbench.plugins import builtin_executors

    for cls in builtin_executors() if executors is None else executors:
        try:
            cls.add_options(run)
        except argparse.ArgumentError as exc:
            raise ConfigError(f"executor '{cls.name}': {exc}") from None


def _vectorize(text: str) -> str | int:
    if text in ("auto", "off"):
        return text
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected auto, off or a group size from 1 to 1024, got {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 1024, got {text!r}")
    return value


def _steps(text: str) -> int:
    from ganbench.runner.options import MAX_STEPS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= MAX_STEPS:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to {MAX_STEPS}, got {text!r}")
    return value


def build_parser(executors: Sequence[Any] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; ``ganbench run`` takes the options of ``executors`` (executor
    classes; default: the built-in ones), each added by the executor itself."""
    parser = argparse.ArgumentParser(prog="ganbench", description="A benchmark suite for GAN training objectives.")
    parser.add_argument("--version", action="version", version=f"ganbench {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--plugins-dir",
        action="append",
        default=None,
        metavar="DIR",
        help="load the plugin files (*.py) in DIR (repeatable, in order); none are loaded without it, "
        "not even ./plugins",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="train every trial of a suite and print the comparison")
    run.add_argument("suite", help="suite file (TOML)")
    run.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps")
    run.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="trials run in parallel (default: one per CPU core on the CPU, 1 on a GPU)",
    )
    run.add_argument("--out", default="results", metavar="DIR", help="results root (default: ./results)")
    run.add_argument(
        "--vectorize",
        type=_vectorize,
        default="auto",
        metavar="auto|off|N",
        help="train trials together as vectorised groups: auto (default: up to 64 per group on a GPU; "
        "on the CPU the group size measured fastest), off (each trial alone), or N (at most N per group)",
    )
    run.add_argument("--executor", default=None, help="executor plugin (default: inline for 1 job, process for more)")
    run.add_argument(
        "--threads", type=_positive_int, default=1, metavar="N", help="torch threads per trial (default 1)"
    )
    run.add_argument(
        "--log",
        type=split_names,
        default=None,
        metavar="NAME[,NAME]",
        help="report every trial as it trains to these loggers: tensorboard, mlflow, or a plugin's "
        "(ganbench list loggers); default: the suite's log key",
    )
    run.add_argument(
        "--steps",
        type=_steps,
        default=None,
        metavar="N",
        help="train every trial for N generator steps instead of the suite's train.steps (evaluation and "
        "checkpoint intervals capped to N); the trials get their own ids and the report states the budget",
    )
    add_executor_options(run, executors)
    run.set_defaults(func=cmd_run, registry=None)  # the registry, when loaded before parsing (see cli.main)

    validate = sub.add_parser("validate", parents=[common], help="check a suite without running it")
    validate.add_argument("suite")
    validate.set_defaults(func=cmd_validate)

    lst = sub.add_parser("list", parents=[common], help="list registered components")
    lst.add_argument("kind", nargs="?", choices=KINDS)
    lst.add_argument("--format", choices=("plain", "md"), default="plain")
    lst.set_defaults(func=cmd_list)

    plugins = sub.add_parser("plugins", parents=[common], help="list plugins, their sources and what they register")
    plugins.set_defaults(func=cmd_plugins)

    new = sub.add_parser("new", help="write a working starting point for a plugin: a file, or a package")
    new.add_argument("kind", choices=tuple(SCAFFOLDED))
    new.add_argument("name", help="the component's name, as a suite names it (my-loss)")
    new.add_argument(
        "--package", default=None, metavar="DIR", help="write a pip-installable package in DIR, with a test"
    )
    new.add_argument("--dir", default="plugins", metavar="DIR", help="where the plugin file goes (default: ./plugins)")
    new.add_argument(
        "--no-divergence",
        action="store_true",
        help="objective only: a loss with no known divergence (divergence = None, no estimate)",
    )
    new.set_defaults(func=cmd_new)

    formats = ("md", "html", "latex")
    report = sub.add_parser("report", parents=[common], help="tables, statistics and plots from a results directory")
    report.add_argument("results", metavar="RESULTS_DIR", help="a suite's results (results/NAME) or a results root")
    report.add_argument(
        "--format",
        default=None,
        metavar="FMT[,FMT]",
        help="md, html, latex, or several joined by commas (figures drawn once); default: from --out's suffix, else md",
    )
    report.add_argument("--out", default=None, metavar="PATH", help="file or directory (default: RESULTS_DIR/report)")
    report.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    report.add_argument("--metric", action="append", metavar="NAME", help="rank and test only this metric (repeatable)")
    report.add_argument("--no-figures", action="store_true", help="tables and statistics only")
    report.add_argument(
        "--jobs", type=_positive_int, default=0, metavar="N", help="processes drawing figures (default: one per core)"
    )
    report.add_argument("--all-trials", action="store_true", help=ALL_TRIALS_HELP)
    report.set_defaults(func=cmd_report)

    status = sub.add_parser(
        "status",
        help="where a running or finished suite stands: trials by state, running trials' last evaluation, time left",
    )
    status.add_argument("results", metavar="RESULTS_DIR", help="a suite's results (results/NAME) or a results root")
    status.set_defaults(func=cmd_status)

    compare = sub.add_parser(
        "compare", parents=[common], help="per objective and metric: did B change A significantly?"
    )
    compare.add_argument("results_a", metavar="RESULTS_A")
    compare.add_argument("results_b", metavar="RESULTS_B")
    compare.add_argument(
        "--test",
        choices=("t", "rank"),
        default="t",
        help="t: paired t-test on shared seeds, else Welch's t (default); "
        "rank: Wilcoxon signed-rank, else Mann-Whitney U",
    )
    compare.add_argument("--unpaired", action="store_true", help="never pair runs by seed")
    compare.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    compare.add_argument("--format", choices=formats, default=None, help="format of --out (default: from its suffix)")
    compare.add_argument("--out", default=None, metavar="PATH", help="also write the comparison here")
    compare.add_argument("--all-trials", action="store_true", help=ALL_TRIALS_HELP)
    compare.set_defaults(func=cmd_compare)
    return parser
