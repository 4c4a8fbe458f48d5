"""The ``ganbench`` command: run | validate | list | plugins | report | compare."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from ganbench import __version__
from ganbench.components import param_table
from ganbench.errors import ConfigError, GanbenchError
from ganbench.lazy import lazy
from ganbench.plugins import KINDS, SINGULAR, Registry, load_plugins

if typing.TYPE_CHECKING:
    from ganbench.report.table import dataset_tables
    from ganbench.results import TrialDir, atomic_write_json, write_summary
    from ganbench.suite import Suite, load_suite, trial_id
else:  # imported on first use: `ganbench --help` and `--version` need neither torch nor pandas
    dataset_tables = lazy("ganbench.report.table", "dataset_tables")
    TrialDir = lazy("ganbench.results", "TrialDir")
    atomic_write_json = lazy("ganbench.results", "atomic_write_json")
    write_summary = lazy("ganbench.results", "write_summary")
    load_suite = lazy("ganbench.suite", "load_suite")
    trial_id = lazy("ganbench.suite", "trial_id")

EXIT_OK, EXIT_TRIALS_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _registry(args: argparse.Namespace) -> Registry:
    plugins_dir = args.plugins_dir
    if plugins_dir is not None and not Path(plugins_dir).is_dir():
        raise ConfigError(f"--plugins-dir {plugins_dir}: no such directory")
    return load_plugins(plugins_dir if plugins_dir is not None else "plugins")


def _warn_failed_plugins(registry: Registry) -> None:
    for info in registry.plugins:
        if info.error:
            print(f"ganbench: warning: plugin {info.name} ({info.source}) failed: {info.error}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    registry = _registry(args)
    _warn_failed_plugins(registry)
    suite = load_suite(args.suite, registry)
    n_ds = len({t["dataset"]["label"] for t in suite.trials})
    n_obj = len({t["objective"]["label"] for t in suite.trials})
    print(
        f"{args.suite}: ok — {len(suite.trials)} trials "
        f"({n_ds} datasets × {n_obj} objectives × {len(suite.seeds)} seeds), suite '{suite.name}'"
    )
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


def _describe(trial: dict[str, Any]) -> str:
    return f"{trial['dataset']['label']}/{trial['objective']['label']}/seed {trial['seed']}"


def _outcome(result: dict[str, Any]) -> str:
    final = result.get("final") or {}
    m = final.get("metrics", {})
    bits = [result["status"]]
    if "train_time" in m:
        bits.append(f"in {m['train_time']:.1f}s")
    if "modes_captured" in m:
        bits.append(f"modes {m['modes_captured']:.0f}/{m['modes_total']:.0f}")
    if result["status"] in ("diverged", "error", "locked"):
        bits.append(f"— {result['message']}")
    return " ".join(bits)


def cmd_run(args: argparse.Namespace) -> int:
    from ganbench.train import init_worker, run_trial, use_registry

    registry = _registry(args)
    _warn_failed_plugins(registry)
    suite = load_suite(args.suite, registry)
    device = _device(args.device)
    jobs = args.jobs or _auto_jobs(device, len(suite.trials))
    executor_name = args.executor or ("process" if jobs > 1 else "inline")
    executor_cls = registry.get("executors", executor_name, "--executor")
    suite_dir = Path(args.out) / suite.name

    todo, finished = [], 0
    for trial in suite.trials:
        path = suite_dir / trial_id(trial)
        if TrialDir(path).is_done():
            finished += 1
        else:
            todo.append((trial, path))
    if finished:
        print(f"skipping {finished} finished trial{'s' * (finished != 1)} (results in {suite_dir})", file=sys.stderr)
    print(
        f"running {len(todo)} trial{'s' * (len(todo) != 1)} of suite '{suite.name}' on {device} "
        f"with {jobs} job{'s' * (jobs != 1)}",
        file=sys.stderr,
    )
    suite_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(
        suite_dir / "suite.json",
        {
            "name": suite.name,
            "description": suite.description,
            "source": str(args.suite),
            "metric_outputs": suite.metric_outputs,
            "trials": [trial_id(t) for t in suite.trials],
        },
    )

    threads = args.threads
    setup: Callable[[], None]
    if executor_name == "inline":
        setup = functools.partial(use_registry, registry, threads)
    else:
        plugins_dir = args.plugins_dir if args.plugins_dir is not None else "plugins"
        setup = functools.partial(init_worker, str(Path(plugins_dir).resolve()), threads)
    executor = executor_cls(jobs=jobs, setup=setup)
    progress = _Progress(len(todo))
    failed: list[str] = []
    interrupted = False
    t0 = time.perf_counter()
    try:
        futures = [(trial, executor.submit(run_trial, trial, str(path), device)) for trial, path in todo]
        for trial, future in futures:
            result = future.result()
            for message in result.get("logs", []):
                progress.line(message)
            if result["status"] == "interrupted":
                interrupted = True
                break
            if result["status"] == "error":
                failed.append(_describe(trial))
            progress.step(f"{_describe(trial)}: {_outcome(result)}")
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
    frame = write_summary(suite_dir)
    order = {trial_id(t): i for i, t in enumerate(suite.trials)}
    if not frame.empty:
        frame = frame[frame["trial"].isin(order)]
        frame = frame.iloc[frame["trial"].map(order).argsort()]
    _print_tables(suite, frame)
    print(f"\n{len(todo)} trials run in {wall:.1f}s; summary: {suite_dir / 'summary.csv'}")
    if failed:
        print(
            f"ganbench: {len(failed)} trial{'s' * (len(failed) != 1)} failed with an error "
            f"({', '.join(failed)}); tracebacks are in each trial's error.txt",
            file=sys.stderr,
        )
        return EXIT_TRIALS_FAILED
    return EXIT_OK


def _auto_jobs(device: str, n_trials: int) -> int:
    """One worker per available CPU core on the CPU (each with one torch thread); one on an accelerator."""
    if device != "cpu":
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, n_trials))


def _device(requested: str) -> str:
    import torch

    from ganbench.train import pick_device

    device = pick_device(requested) if requested == "auto" else requested
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {requested}: CUDA is not available on this machine")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError(f"--device {requested}: MPS is not available on this machine")
    if device.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"--device {requested}: choose auto, cpu, cuda, cuda:N or mps")
    return device


def _print_tables(suite: Suite, frame: Any) -> None:
    for dataset, table in dataset_tables(frame, suite.metric_outputs).items():
        print(f"\n## {suite.name} / {dataset}  (mean ± std over seeds; ↑ higher is better, ↓ lower is better)\n")
        print(table)


def _generator_text(cls: Any) -> str:
    """The default generator loss; with a ``generator`` option (the f-GANs), every choice."""
    default = cls()
    text = default.describe_generator()
    hints = typing.get_type_hints(cls)
    if "generator" not in {f.name for f in cls.param_fields()} or typing.get_origin(hints["generator"]) is not Literal:
        return text
    others = [c for c in typing.get_args(hints["generator"]) if c != default.generator]
    alternatives = "".join(f'; {cls(generator=c).describe_generator()} [generator = "{c}"]' for c in others)
    return f"{text} [default]{alternatives}" if alternatives else text


def cmd_list(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    registry = _registry(args)
    kinds = [args.kind] if args.kind else list(KINDS)
    fmt = "github" if args.format == "md" else "simple"
    for kind in kinds:
        rows = []
        for name in registry.names(kind):
            cls = registry.items[kind][name]
            if kind == "objectives":
                hyper = cls.default_hyper()
                defaults = (
                    f"n_critic={hyper.n_critic}, lr_g={hyper.lr_g:g}, lr_d={hyper.lr_d:g}, "
                    f"betas=({hyper.betas[0]:g}, {hyper.betas[1]:g})"
                )
                if hyper.penalty != "none":
                    defaults += f", penalty={hyper.penalty}×{hyper.penalty_weight:g}"
                if hyper.clip:
                    defaults += f", clip={hyper.clip:g}"
                rows.append(
                    [name, cls.family, cls.divergence, cls.reports, _generator_text(cls), defaults, cls.reference]
                )
            else:
                params = (
                    ", ".join(f"{p}={json.dumps(d)}" for p, _, d, _ in param_table(cls))
                    if hasattr(cls, "param_fields")
                    else ""
                )
                rows.append([name, getattr(cls, "description", ""), params])
        headers = (
            ["objective", "family", "divergence", "reports", "generator loss", "defaults", "reference"]
            if kind == "objectives"
            else [SINGULAR[kind], "description", "parameters (defaults)"]
        )
        if len(kinds) > 1:
            print(f"\n{kind}:\n")
        if fmt == "github":  # a literal '|' (as in ½∫|p - q|) would end a Markdown table cell
            rows = [[str(cell).replace("|", "\\|") for cell in row] for row in rows]
        print(tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True))
    return EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    registry = _registry(args)
    rows = []
    for info in registry.plugins:
        registered = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.registered.items() if v)
        rows.append([info.name, info.source, f"failed: {info.error}" if info.error else "ok", registered])
    print(tabulate(rows, headers=["plugin", "source", "status", "registers"], tablefmt="simple"))
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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 1024, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganbench", description="A benchmark suite for GAN training objectives.")
    parser.add_argument("--version", action="version", version=f"ganbench {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--plugins-dir", default=None, metavar="DIR", help="directory of local plugin files (default: ./plugins)"
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
    run.add_argument("--executor", default=None, help="executor plugin (default: inline for 1 job, process for more)")
    run.add_argument(
        "--threads", type=_positive_int, default=1, metavar="N", help="torch threads per trial (default 1)"
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
