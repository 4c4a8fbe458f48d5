"""How ``ganbench run`` sizes its work: jobs, the metric threads of a job, the executor's options."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ganbench.errors import ConfigError

#: ``ganbench run`` options that only executors naming them in ``options`` take (default None)
EXECUTOR_OPTIONS = {"ray_address": "ray", "ray_storage": "ray", "cpus_per_task": "ray", "gpus_per_task": "ray"}


def executor_options(args: argparse.Namespace, executor_cls: Any) -> dict[str, Any]:
    """The options the chosen executor takes; an executor option given to another executor is an error."""
    wanted = tuple(getattr(executor_cls, "options", ())) if executor_cls is not None else ()
    for dest, owner in EXECUTOR_OPTIONS.items():
        if getattr(args, dest) is not None and dest not in wanted:
            flag = "--" + dest.replace("_", "-")
            other = f"not of --executor {args.executor}" if args.executor else f"add --executor {owner}"
            raise ConfigError(f"{flag} is an option of --executor {owner}: {other}")
    return {dest: getattr(args, dest) for dest in wanted}


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def auto_jobs(device: str, n_tasks: int) -> int:
    """One worker per available CPU core on the CPU (each with one torch thread), at most one
    per task (a group of trials); one on an accelerator."""
    if device != "cpu":
        return 1
    return max(1, min(cores(), n_tasks))


def metric_threads(device: str, jobs: int, cpus_per_task: float | None) -> int:
    """Threads that compute one evaluation's members' metrics at once. On the CPU, one: the
    metrics run in line and every core already trains. On an accelerator the metrics run
    beside training, and a job takes its share of this machine's CPUs (or the CPUs the
    executor reserves per task), less the one that feeds the device."""
    if device == "cpu":
        return 1
    cpus = cpus_per_task if cpus_per_task else cores() / max(1, jobs)
    return max(1, int(cpus) - 1)
