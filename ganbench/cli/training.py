"""Training a list of trials the way ``ganbench run`` does: skip the finished ones, group the
rest (``--vectorize``), submit the groups to the executor and print each outcome.

A plain suite is trained in one call; a suite with a ``[search]`` in one call per phase (or
per round of an adaptive search), all through one executor, built at the first call.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ganbench.cli import sizing
from ganbench.cli.progress import Progress, outcome
from ganbench.device import resolve_device
from ganbench.loggers.specs import LoggerSpec
from ganbench.registry import Registry
from ganbench.results import SuiteStore
from ganbench.status import Status
from ganbench.text import plural
from ganbench.trial import Trial


class Trainer:
    """Trains trials of one suite into ``store`` with the options of ``ganbench run``."""

    def __init__(
        self,
        args: argparse.Namespace,
        registry: Registry,
        suite_name: str,
        store: SuiteStore,
        on_ready: Callable[[], None],
        loggers: Sequence[LoggerSpec] = (),
    ) -> None:
        self.args, self.registry, self.suite_name, self.store = args, registry, suite_name, store
        self.on_ready = on_ready  # called once the executor is up (a refused --ray-address writes nothing)
        chosen = registry.get("executors", args.executor, "--executor") if args.executor else None
        self.executor_options = sizing.executor_options(args, chosen)
        self.device = (
            chosen.resolve_device(args.device, **self.executor_options) if chosen else resolve_device(args.device)
        )
        if self.device == "cpu":
            import torch

            torch.set_num_threads(args.threads)  # calibration measures what a worker will see
        self.executor: Any = None
        self.jobs = 0
        self.failed: list[str] = []
        self.trained = 0
        self.loggers = tuple(loggers)  # every trial reports to them (--log, else the suite's log)

    def _start(self, jobs: int) -> None:
        from ganbench.environment import run_environment
        from ganbench.executors import init_worker
        from ganbench.training import EngineOptions
        from ganbench.training.signals import use_registry

        args, threads = self.args, self.args.threads
        self.jobs = jobs
        executor_name = args.executor or ("process" if jobs > 1 else "inline")
        executor_cls = self.registry.get("executors", executor_name, "--executor")
        setup: Callable[[], None]
        if executor_name == "inline":
            setup = functools.partial(use_registry, self.registry, threads)
        else:
            plugins_dir = [str(d) for d in self.registry.plugins_dir]  # the parent's directories, resolved
            setup = functools.partial(init_worker, plugins_dir, threads)
        # an executor that reserves CPUs per task (Ray's --cpus-per-task, default --threads) bounds the metric threads
        opts = self.executor_options
        reserved = (opts["cpus_per_task"] or threads) if "cpus_per_task" in opts else None
        self.options = EngineOptions(
            environment=run_environment(self.device, jobs, threads),
            metric_threads=sizing.metric_threads(self.device, jobs, reserved),
            loggers=self.loggers,
            log_dir=str(self.store.path.absolute()),
        )
        self.executor = executor_cls(jobs=jobs, setup=setup, **opts)
        self.on_ready()

    def __call__(self, trials: Sequence[Trial], title: str = "", names: Mapping[str, str] | None = None) -> bool:
        """Train ``trials`` (finished ones skipped); False when interrupted (the executor is then shut down).
        ``names``: how progress lines name a trial, by id (default :meth:`Trial.describe`)."""
        names = names or {}
        from ganbench.training import run_group
        from ganbench.training.grouping import plan_groups

        args = self.args
        todo, finished = self.store.split_done(trials)
        jobs = self.jobs or args.jobs or sizing.auto_jobs(self.device, len(todo))
        plan = plan_groups(todo, self.registry, args.vectorize, self.device, jobs)
        if self.executor is None:
            self._start(args.jobs or sizing.auto_jobs(self.device, len(plan.groups)))
        head = f"{title}: " if title else ""
        if finished:
            print(
                f"{head}skipping {plural(finished, 'finished trial')} (results in {self.store.path})", file=sys.stderr
            )
        print(
            f"{head}running {plural(len(todo), 'trial')} of suite '{self.suite_name}' on {self.device} "
            f"with {plural(self.jobs, 'job')}, {plan.describe()}",
            file=sys.stderr,
        )
        progress = Progress(len(todo))
        interrupted = False
        try:
            futures = []
            for number, group in enumerate(plan.groups, 1):
                paths = [str(self.store.trial_dir(t).path) for t in group]
                futures.append(
                    (number, group, self.executor.submit(run_group, group, paths, self.device, self.options))
                )
            for number, group, future in futures:
                where = f" (group {number}/{len(plan.groups)}, {len(group)} trials)" if len(group) > 1 else ""
                for trial, result in zip(group, future.result(), strict=True):
                    for message in result.get("logs", []):
                        progress.line(message)
                    if result["status"] is Status.INTERRUPTED:
                        interrupted = True
                        continue
                    if result["status"] is Status.ERROR:
                        self.failed.append(names.get(trial.id, trial.describe()))
                    metrics = [self.registry.get("metrics", m.name) for m in trial.metrics]
                    on = f" on {result['node']}" if result.get("node") else ""  # executors that know say where
                    progress.step(f"{names.get(trial.id, trial.describe())}{where}{on}: {outcome(result, metrics)}")
                if interrupted:
                    break
        except KeyboardInterrupt:
            interrupted = True
        progress.close()
        self.trained += len(todo)
        if interrupted:
            # Running trials checkpoint at their next step boundary; pending ones never start.
            self.executor.interrupt()
            self.executor.shutdown(cancel=True)
        return not interrupted

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown()
