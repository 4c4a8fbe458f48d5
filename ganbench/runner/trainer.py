"""Training a list of trials: skip the finished ones, group the rest (``vectorize``), submit the
groups to the executor and report each outcome.

A plain suite is trained in one call; a suite with a ``[search]`` in one call per phase (or
per round of an adaptive search), all through one executor, built at the first call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ganbench.device import resolve_device
from ganbench.loggers.specs import LoggerSpec
from ganbench.registry import Registry
from ganbench.results import SuiteStore
from ganbench.runner import sizing
from ganbench.runner.options import RunOptions
from ganbench.runner.progress import Progress, outcome
from ganbench.runner.result import TrialOutcome
from ganbench.status import Status
from ganbench.text import plural
from ganbench.trial import Trial


class Trainer:
    """Trains trials of one suite into ``store``."""

    def __init__(
        self,
        options: RunOptions,
        registry: Registry,
        suite_name: str,
        store: SuiteStore,
        on_ready: Callable[[], None],
        progress: Progress,
        loggers: Sequence[LoggerSpec] = (),
        note: str = "",
    ) -> None:
        self.run, self.registry, self.suite_name, self.store = options, registry, suite_name, store
        self.on_ready = on_ready  # called once the executor is up (a refused --ray-address writes nothing)
        self.progress = progress
        chosen = registry.get("executors", options.executor, "--executor") if options.executor else None
        self.executor_options = dict(options.executor_options)
        self.device = (
            chosen.resolve_device(options.device, **self.executor_options) if chosen else resolve_device(options.device)
        )
        if self.device == "cpu":
            import torch

            torch.set_num_threads(options.threads)  # calibration measures what a worker will see
        self.executor: Any = None
        self.jobs = 0
        self.outcomes: list[TrialOutcome] = []
        self.trained = 0
        self.loggers = tuple(loggers)  # every trial reports to them (--log, else the suite's log)
        self.note = note  # appended to each plan line (the --steps override)

    def _start(self, jobs: int) -> None:
        from ganbench.environment import run_environment
        from ganbench.executors import init_worker
        from ganbench.training import EngineOptions
        from ganbench.training.signals import use_registry

        threads = self.run.threads
        self.jobs = jobs
        executor_name = self.run.executor or ("process" if jobs > 1 else "inline")
        executor_cls = self.registry.get("executors", executor_name, "--executor")
        setup: Callable[[], None]
        if executor_cls.in_process:
            setup = functools.partial(use_registry, self.registry, threads)
        else:
            plugins_dir = [str(d) for d in self.registry.plugins_dir]  # the parent's directories, resolved
            setup = functools.partial(init_worker, plugins_dir, threads)
        # an executor that reserves CPUs per task (Ray's --cpus-per-task) bounds the metric threads
        reserved = executor_cls.reserved_cpus(**self.executor_options)
        self.options = EngineOptions(
            environment=run_environment(self.device, jobs, threads),
            metric_threads=sizing.metric_threads(self.device, jobs, reserved),
            loggers=self.loggers,
            log_dir=str(self.store.path.absolute()),
        )
        self.executor = executor_cls(jobs=jobs, setup=setup, **self.executor_options)
        self.on_ready()

    def __call__(self, trials: Sequence[Trial], title: str = "", names: Mapping[str, str] | None = None) -> bool:
        """Train ``trials`` (finished ones skipped); False when interrupted (the executor is then shut down).
        ``names``: how progress lines name a trial, by id (default :meth:`Trial.describe`)."""
        names = names or {}
        from ganbench.training import run_group
        from ganbench.training.grouping import plan_groups

        todo, finished = self.store.split_done(trials)
        jobs = self.jobs or self.run.jobs or sizing.auto_jobs(self.device, len(todo))
        plan = plan_groups(todo, self.registry, self.run.vectorize, self.device, jobs)
        jobs = self.jobs or self.run.jobs or sizing.auto_jobs(self.device, len(plan.groups))
        head = f"{title}: " if title else ""
        progress = self.progress
        if finished:
            progress.line(f"{head}skipping {plural(finished, 'finished trial')} (results in {self.store.path})")
        progress.line(
            f"{head}running {plural(len(todo), 'trial')} of suite '{self.suite_name}' on {self.device} "
            f"with {plural(jobs, 'job')}, {plan.describe()}{self.note}"
        )
        if self.executor is None:  # after the plan: an executor that cannot start says why below it
            self._start(jobs)
        progress.start(len(todo))
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
                    name = names.get(trial.id, trial.describe())
                    done = TrialOutcome(
                        trial.id,
                        trial.dataset.label,
                        trial.objective.label,
                        trial.seed,
                        Status(result["status"]),
                        str(result.get("message") or ""),
                        result.get("node") or None,
                        name,
                    )
                    self.outcomes.append(done)
                    metrics = [self.registry.get("metrics", m.name) for m in trial.metrics]
                    on = f" on {done.node}" if done.node else ""  # executors that know say where
                    progress.step(f"{name}{where}{on}: {outcome(result, metrics)}", done)
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
