"""How a run sizes its work: jobs, and the metric threads of a job."""

from __future__ import annotations

import os


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
