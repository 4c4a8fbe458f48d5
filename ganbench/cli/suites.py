"""``ganbench validate`` and ``ganbench run``: a suite checked, or trained and compared."""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ganbench.cli import sizing
from ganbench.cli.common import EXIT_INTERRUPTED, EXIT_OK, EXIT_TRIALS_FAILED, load_registry
from ganbench.cli.progress import Progress, outcome
from ganbench.device import resolve_device
from ganbench.status import Status
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
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from ganbench.environment import run_environment
    from ganbench.executors import init_worker
    from ganbench.results import SuiteStore
    from ganbench.suite import load_suite
    from ganbench.training import EngineOptions, run_group
    from ganbench.training.grouping import plan_groups
    from ganbench.training.signals import use_registry

    registry = load_registry(args)
    suite = load_suite(args.suite, registry)
    chosen = registry.get("executors", args.executor, "--executor") if args.executor else None
    executor_options = sizing.executor_options(args, chosen)
    device = chosen.resolve_device(args.device, **executor_options) if chosen else resolve_device(args.device)
    store = SuiteStore.under(args.out, suite.name)
    todo, finished = store.split_done(suite.trials)
    threads = args.threads
    if device == "cpu":
        import torch

        torch.set_num_threads(threads)  # calibration measures what a worker will see
    plan = plan_groups(todo, registry, args.vectorize, device, args.jobs or sizing.auto_jobs(device, len(todo)))
    jobs = args.jobs or sizing.auto_jobs(device, len(plan.groups))
    executor_name = args.executor or ("process" if jobs > 1 else "inline")
    executor_cls = registry.get("executors", executor_name, "--executor")
    if finished:
        print(f"skipping {plural(finished, 'finished trial')} (results in {store.path})", file=sys.stderr)
    print(
        f"running {plural(len(todo), 'trial')} of suite '{suite.name}' on {device} "
        f"with {plural(jobs, 'job')}, {plan.describe()}",
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
        environment=run_environment(device, jobs, threads), metric_threads=sizing.metric_threads(device, jobs, reserved)
    )
    executor = executor_cls(jobs=jobs, setup=setup, **executor_options)
    store.write_suite(suite, str(args.suite))  # once the executor is up: a refused --ray-address writes nothing
    progress = Progress(len(todo))
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
                progress.step(f"{trial.describe()}{where}{on}: {outcome(result, metrics)}")
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
    print_tables(suite.name, results.select(t.id for t in suite.trials))
    print(f"\n{len(todo)} trials run in {wall:.1f}s; summary: {store.summary_file}")
    if failed:
        print(
            f"ganbench: {plural(len(failed), 'trial')} failed with an error "
            f"({', '.join(failed)}); tracebacks are in each trial's error.txt",
            file=sys.stderr,
        )
        return EXIT_TRIALS_FAILED
    return EXIT_OK


def print_tables(name: str, results: SuiteResults) -> None:
    from ganbench.report.console import console_tables

    for dataset, table in console_tables(results).items():
        print(f"\n## {name} / {dataset}  (mean ± std over seeds; ↑ higher is better, ↓ lower is better)\n")
        print(table)
