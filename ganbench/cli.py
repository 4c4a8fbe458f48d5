"""The ``ganbench`` command: run | validate | list | plugins | new | report | compare."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganbench.device import resolve_device
from ganbench.errors import ConfigError, GanbenchError
from ganbench.kinds import KINDS, SCAFFOLDED
from ganbench.plugins import ENV_ALLOW, load_plugins
from ganbench.registry import Registry
from ganbench.status import Status
from ganbench.version import __version__

if TYPE_CHECKING:
    from ganbench.metrics import Metric
    from ganbench.results import SuiteResults

# torch, pandas, scipy and matplotlib are imported by the commands that use them, not here:
# `ganbench --help` and `--version` start without them (tests/test_startup.py)

EXIT_OK, EXIT_TRIALS_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _registry(args: argparse.Namespace, warn: bool = True) -> Registry:
    """Built-ins, entry points and, only when ``--plugins-dir`` names some, directories of plugin files.
    Every plugin problem (a failure, a refused component, a hook never called) is a warning on stderr."""
    for directory in args.plugins_dir or []:
        if not Path(directory).is_dir():
            raise ConfigError(f"--plugins-dir {directory}: no such directory")
    registry = load_plugins(args.plugins_dir or None)
    if warn:
        _warn_failed_plugins(registry)
    return registry


def _warn_failed_plugins(registry: Registry) -> None:
    for line in registry.problems():
        print(f"ganbench: warning: {one_line(line)}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    from ganbench.suite import load_suite

    registry = _registry(args)
    suite = load_suite(args.suite, registry)
    print(
        f"{args.suite}: ok — {len(suite.trials)} trials ({suite.count('dataset')} datasets × "
        f"{suite.count('objective')} objectives × {len(suite.seeds)} seeds), suite '{suite.name}'"
    )
    for skip in suite.skipped:
        print(f"  skips {skip.describe()}")
    return EXIT_OK


class _Progress:
    """A progress bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int) -> None:
        self.bar = None
        if sys.stderr.isatty() and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="trial", file=sys.stderr, dynamic_ncols=True)
        self.done, self.total = 0, total

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def step(self, text: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(text[:60])
            self.bar.update(1)
        else:
            self.line(f"[{self.done}/{self.total}] {text}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _outcome(result: dict[str, Any], metrics: Sequence[type[Metric]]) -> str:
    """'complete in 3.2s modes 8/8': the status, the training time and the metrics' progress texts."""
    from ganbench.metrics import summary

    final = result.get("final") or {}
    m = final.get("metrics", {})
    bits = [result["status"]]
    if "train_time" in m:
        bits.append(f"in {m['train_time']:.1f}s")
    progress = summary.progress(metrics, m)
    if progress:
        bits.append(progress)
    if result["status"] in (Status.DIVERGED, Status.ERROR, Status.LOCKED):
        bits.append(f"— {result['message']}")
    return " ".join(bits)


def cmd_run(args: argparse.Namespace) -> int:
    from ganbench.environment import run_environment
    from ganbench.executors import init_worker
    from ganbench.results import SuiteStore
    from ganbench.suite import load_suite
    from ganbench.training import EngineOptions, run_group
    from ganbench.training.grouping import plan_groups
    from ganbench.training.signals import use_registry

    registry = _registry(args)
    suite = load_suite(args.suite, registry)
    chosen = registry.get("executors", args.executor, "--executor") if args.executor else None
    executor_options = _executor_options(args, chosen)
    device = chosen.resolve_device(args.device, **executor_options) if chosen else resolve_device(args.device)
    store = SuiteStore.under(args.out, suite.name)
    todo, finished = store.split_done(suite.trials)
    threads = args.threads
    if device == "cpu":
        import torch

        torch.set_num_threads(threads)  # calibration measures what a worker will see
    plan = plan_groups(todo, registry, args.vectorize, device, args.jobs or _auto_jobs(device, len(todo)))
    jobs = args.jobs or _auto_jobs(device, len(plan.groups))
    executor_name = args.executor or ("process" if jobs > 1 else "inline")
    executor_cls = registry.get("executors", executor_name, "--executor")
    if finished:
        print(f"skipping {finished} finished trial{'s' * (finished != 1)} (results in {store.path})", file=sys.stderr)
    print(
        f"running {len(todo)} trial{'s' * (len(todo) != 1)} of suite '{suite.name}' on {device} "
        f"with {jobs} job{'s' * (jobs != 1)}, {plan.describe()}",
        file=sys.stderr,
    )
    for skip in suite.skipped:
        print(f"ganbench: note: suite '{suite.name}' skips {skip.describe()}", file=sys.stderr)
    setup: Callable[[], None]
    if executor_name == "inline":
        setup = functools.partial(use_registry, registry, threads)
    else:
        plugins_dir = [str(d) for d in registry.plugins_dir]  # the parent's directories, resolved
        setup = functools.partial(init_worker, plugins_dir, threads)
    # an executor that reserves CPUs per task (Ray's --cpus-per-task, default --threads) bounds the metric threads
    reserved = (executor_options["cpus_per_task"] or threads) if "cpus_per_task" in executor_options else None
    options = EngineOptions(
        environment=run_environment(device, jobs, threads), metric_threads=_metric_threads(device, jobs, reserved)
    )
    executor = executor_cls(jobs=jobs, setup=setup, **executor_options)
    store.write_suite(suite, str(args.suite))  # once the executor is up: a refused --ray-address writes nothing
    progress = _Progress(len(todo))
    failed: list[str] = []
    interrupted = False
    t0 = time.perf_counter()
    try:
        futures = []
        for number, group in enumerate(plan.groups, 1):
            paths = [str(store.trial_dir(t).path) for t in group]
            futures.append((number, group, executor.submit(run_group, group, paths, device, options)))
        for number, group, future in futures:
            where = f" (group {number}/{len(plan.groups)}, {len(group)} trials)" if len(group) > 1 else ""
            for trial, result in zip(group, future.result(), strict=True):
                for message in result.get("logs", []):
                    progress.line(message)
                if result["status"] is Status.INTERRUPTED:
                    interrupted = True
                    continue
                if result["status"] is Status.ERROR:
                    failed.append(trial.describe())
                metrics = [registry.get("metrics", m.name) for m in trial.metrics]
                on = f" on {result['node']}" if result.get("node") else ""  # executors that know say where
                progress.step(f"{trial.describe()}{where}{on}: {_outcome(result, metrics)}")
            if interrupted:
                break
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        # Running trials checkpoint at their next step boundary; pending ones never start.
        executor.interrupt()
        executor.shutdown(cancel=True)
        progress.close()
        print(
            f"interrupted: checkpoints written; rerun `ganbench run {args.suite}` with the same options to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    progress.close()
    executor.shutdown()
    wall = time.perf_counter() - t0
    results = store.write_summary(store.load(registry))
    _print_tables(suite.name, results.select(t.id for t in suite.trials))
    print(f"\n{len(todo)} trials run in {wall:.1f}s; summary: {store.summary_file}")
    if failed:
        print(
            f"ganbench: {len(failed)} trial{'s' * (len(failed) != 1)} failed with an error "
            f"({', '.join(failed)}); tracebacks are in each trial's error.txt",
            file=sys.stderr,
        )
        return EXIT_TRIALS_FAILED
    return EXIT_OK


#: ``ganbench run`` options that only executors naming them in ``options`` take (default None)
EXECUTOR_OPTIONS = {"ray_address": "ray", "ray_storage": "ray", "cpus_per_task": "ray", "gpus_per_task": "ray"}


def _executor_options(args: argparse.Namespace, executor_cls: Any) -> dict[str, Any]:
    """The options the chosen executor takes; an executor option given to another executor is an error."""
    wanted = tuple(getattr(executor_cls, "options", ())) if executor_cls is not None else ()
    for dest, owner in EXECUTOR_OPTIONS.items():
        if getattr(args, dest) is not None and dest not in wanted:
            flag = "--" + dest.replace("_", "-")
            other = f"not of --executor {args.executor}" if args.executor else f"add --executor {owner}"
            raise ConfigError(f"{flag} is an option of --executor {owner}: {other}")
    return {dest: getattr(args, dest) for dest in wanted}


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _auto_jobs(device: str, n_tasks: int) -> int:
    """One worker per available CPU core on the CPU (each with one torch thread), at most one
    per task (a group of trials); one on an accelerator."""
    if device != "cpu":
        return 1
    return max(1, min(_cores(), n_tasks))


def _metric_threads(device: str, jobs: int, cpus_per_task: float | None) -> int:
    """Threads that compute one evaluation's members' metrics at once. On the CPU, one: the
    metrics run in line and every core already trains. On an accelerator the metrics run
    beside training, and a job takes its share of this machine's CPUs (or the CPUs the
    executor reserves per task), less the one that feeds the device."""
    if device == "cpu":
        return 1
    cpus = cpus_per_task if cpus_per_task else _cores() / max(1, jobs)
    return max(1, int(cpus) - 1)


def _print_tables(name: str, results: SuiteResults) -> None:
    from ganbench.report.console import console_tables

    for dataset, table in console_tables(results).items():
        print(f"\n## {name} / {dataset}  (mean ± std over seeds; ↑ higher is better, ↓ lower is better)\n")
        print(table)


def cmd_list(args: argparse.Namespace) -> int:
    from ganbench.listing import tables

    registry = _registry(args)
    kinds = [args.kind] if args.kind else list(KINDS)
    for kind in kinds:
        if len(kinds) > 1:
            print(f"\n{kind}:\n")
        for caption, table in tables(registry, kind, markdown=args.format == "md"):
            if caption:
                print(f"\n{caption}:\n")
            print(table)
    return EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    registry = _registry(args, warn=False)  # the table shows every problem
    rows = []
    for info in registry.plugins:
        registered = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.registered.items() if v)
        rows.append([info.name, info.source, one_line(info.status()), registered])
    print(tabulate(rows, headers=["plugin", "source", "status", "registers"], tablefmt="simple"))
    print()
    if registry.plugins_dir:
        shown: set[Path] = set()
        for given in args.plugins_dir:
            directory = Path(given).resolve()
            if directory not in shown:
                shown.add(directory)
                print(f"plugins directory: {directory} (loaded because --plugins-dir {given} was given)")
    else:
        here = " (./plugins exists here and was not loaded)" if Path("plugins").is_dir() else ""
        print(f"plugins directory: none; plugin files load only with --plugins-dir DIR{here}")
    allowed = os.environ.get(ENV_ALLOW)
    if allowed is not None:
        print(f"{ENV_ALLOW}={allowed}: only these external plugins may load")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from ganbench import scaffold

    names = scaffold.check_name(args.kind, args.name)
    kinds = names.row.plural
    registry = load_plugins(None)
    if args.name in registry.items[kinds]:
        owner = registry.owners[(kinds, args.name)]
        raise ConfigError(
            f"ganbench new {args.kind}: '{args.name}' is already the name of {names.row.article} "
            f"({owner.name}, {owner.source}); choose another"
        )
    suite_line = names.use
    if args.package is not None:
        root = Path(args.package)
        files = scaffold.write_package(names, root)
        print(f"wrote {root}: " + ", ".join(str(f.relative_to(root)) for f in files))
        steps = [
            (f"pip install -e {root}", f"registers the {args.kind} through the package's entry point"),
            (f"pytest {root}", "ganbench's contract kit on it"),
            ("ganbench run SUITE", f"a suite using it: {suite_line}"),
        ]
    else:
        directory = Path(args.dir)
        (path,) = scaffold.write_file(names, directory)
        print(f"wrote {path}: the {args.kind} '{args.name}'")
        steps = [
            (f"ganbench list {kinds} --plugins-dir {directory}", "it is listed, with its options"),
            (f"ganbench run SUITE --plugins-dir {directory}", f"a suite using it: {suite_line}"),
        ]
    width = max(len(command) for command, _ in steps)
    print("next:")
    for command, comment in steps:
        print(f"  {command.ljust(width)}  # {comment}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from ganbench.report.commands import report

    registry = _registry(args)
    paths = report(
        args.results, args.format, args.out, registry, args.alpha, args.metric or (), not args.no_figures, args.jobs
    )
    for path in paths:
        print(f"report: {path}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from ganbench.report.commands import compare

    registry = _registry(args)
    text = compare(
        args.results_a, args.results_b, registry, args.test, args.alpha, args.format, args.out, not args.unpaired
    )
    print(text, end="")
    return EXIT_OK


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


def _resources(text: str, zero: bool = False) -> float:
    """A Ray resource amount: a fraction up to 1 or a whole number (as Ray accepts), above 0 unless ``zero``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not ((0 < value or (zero and value == 0)) and (value <= 1 or value.is_integer()) and value <= 1024):
        what = "0, a fraction up to 1" if zero else "a fraction above 0 up to 1"
        raise argparse.ArgumentTypeError(f"expected {what} or a whole number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
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
    ray = run.add_argument_group(
        "Ray (--executor ray)", "each task is one vectorised group of trials (one trial with --vectorize off)"
    )
    ray.add_argument(
        "--ray-address",
        default=None,
        metavar="ADDR",
        help="the cluster to use: auto (the one this node belongs to) or HEAD:PORT (default: $RAY_ADDRESS, "
        "else a local Ray instance with --jobs × --cpus-per-task CPUs)",
    )
    ray.add_argument(
        "--ray-storage",
        choices=("auto", "shared", "driver"),
        default=None,
        help="shared: every node writes the results directory itself (it must see it at the same path); "
        "driver: trial files travel to the driver at every checkpoint; auto (default): shared if every node sees it",
    )
    ray.add_argument(
        "--cpus-per-task", type=_resources, default=None, metavar="N", help="CPUs per task (default: --threads)"
    )
    ray.add_argument(
        "--gpus-per-task",
        type=functools.partial(_resources, zero=True),
        default=None,
        metavar="F",
        help="GPUs per task (default 0: train on the CPU); a fraction shares a GPU: 0.25 runs four tasks on one",
    )
    run.set_defaults(func=cmd_run)

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
    report.set_defaults(func=cmd_report)

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
    compare.set_defaults(func=cmd_compare)
    return parser


def one_line(text: str) -> str:
    """Escape control characters (from user-supplied keys and values) so a message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GanbenchError as exc:
        print(f"ganbench: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def entry() -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
