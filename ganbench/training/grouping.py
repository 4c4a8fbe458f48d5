"""Which trials of a suite train together as one vectorised group.

Trials can share a group when they share everything that fixes the shape of a training
step: the model and its parameters, the sample shape, the pack size (PacGAN), the critic
steps per generator step and the training budget and schedule. Objectives, penalties, hyperparameters,
datasets (of one sample shape) and seeds may differ: each member computes its own losses
on its own slice of the group.

``--vectorize`` decides how large groups get: ``off`` trains every trial alone, ``N``
caps groups at N members, and ``auto`` puts up to 64 together on an accelerator and, on
the CPU, measures a few group sizes on the suite's own trials (a fraction of a second
each) and takes the fastest per trial, or none if vectorising does not pay there. On the
CPU, ``auto`` groups only models with an exact batched pass (see :func:`exact`), so a CPU
run's numbers never depend on how its trials were grouped. With
several parallel jobs, groups are then split so that none holds more than half a job's
share of the suite's work, and they are submitted largest first, so the jobs stay balanced.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ganbench.registry import Registry
from ganbench.results import TrialDir
from ganbench.stacking.packing import build_networks
from ganbench.text import plural
from ganbench.training import checkpoint
from ganbench.training.group import Group
from ganbench.training.member import Member
from ganbench.training.memory import keep_freed_memory
from ganbench.trial import Parts, Trial

#: the largest group ``auto`` forms on an accelerator
AUTO_MAX = 64
#: group sizes ``auto`` tries on the CPU
CPU_CANDIDATES = (1, 4, 16)
#: a group size must beat training alone by this factor for ``auto`` to choose it on the CPU
CPU_MARGIN = 1.05


@dataclasses.dataclass
class Plan:
    """Groups of trials, largest first, and how the sizes were chosen."""

    groups: list[list[Trial]]
    how: str

    def describe(self) -> str:
        sizes = [len(g) for g in self.groups if len(g) > 1]
        alone = sum(len(g) == 1 for g in self.groups)
        if not sizes:
            return f"each trial alone ({self.how})"
        counts = collections.Counter(sizes)
        parts = [f"{plural(n, 'group')} of {k}" for k, n in sorted(counts.items(), reverse=True)]
        if alone:
            parts.append(f"{plural(alone, 'trial')} alone")
        return f"vectorised: {', '.join(parts)} ({self.how})"


def group_signature(trial: Trial, parts: Parts) -> dict[str, Any]:
    """What the trials of one group share, by name: the model, the sample shape, the pack size
    (it fixes the critic's input shape), the critic steps per generator step and the training
    budget and schedule."""
    return {
        "model": trial.model.to_json(),
        "sample shape": list(parts.dataset.shape),
        "pack": parts.hyper.pack,
        "n_critic": parts.hyper.n_critic,
        "training budget": trial.train.params(),
    }


def group_key(trial: Trial, registry: Registry) -> str:
    """Trials with equal keys can train in one group."""
    parts = trial.instantiate(registry)
    if not type(parts.model).vectorizes:
        return f"alone:{trial.id}"
    return json.dumps(list(group_signature(trial, parts).values()), sort_keys=True)


def check_one_group(trials: Sequence[Trial], parts: Sequence[Parts | None]) -> None:
    """Raise ValueError unless ``trials`` (with their components ``parts``; None where making
    them failed, a failure of that trial alone) can train as one group: a group trains
    every member with its first member's critic steps, batch size and budget."""
    made = [(t, p) for t, p in zip(trials, parts, strict=True) if p is not None]
    if len(made) < 2:
        return
    for trial, p in made:
        if not type(p.model).vectorizes:
            others = ", ".join(t.id for t, _ in made if t is not trial)
            raise ValueError(f"trial {trial.id} cannot train in a group (with {others}): its model does not vectorise")
    first, expected = made[0][0], group_signature(*made[0])
    for trial, p in made[1:]:
        signature = group_signature(trial, p)
        for name, value in expected.items():
            if signature[name] != value:
                raise ValueError(
                    f"trials {first.id} and {trial.id} cannot train as one group: their {name} differs "
                    f"({value!r} and {signature[name]!r}); group trials by "
                    "ganbench.training.grouping.group_key first"
                )


def step_cost(trial: Trial) -> int:
    """Relative cost of one generator step: its critic steps plus its generator step, each on
    batch_size·pack samples per side."""
    hyper = trial.objective.hyper
    return (hyper.n_critic + 1) * hyper.pack


def plan_groups(trials: Sequence[Trial], registry: Registry, vectorize: str | int, device: str, jobs: int) -> Plan:
    buckets: dict[str, list[Trial]] = {}
    for trial in trials:
        key = group_key(trial, registry) if vectorize != "off" else f"alone:{trial.id}"
        buckets.setdefault(key, []).append(trial)
    if vectorize == "off":
        how = "--vectorize off"
        sizes = {key: 1 for key in buckets}
    elif isinstance(vectorize, int):
        how = f"--vectorize {vectorize}"
        sizes = {key: vectorize for key in buckets}
    elif device != "cpu":
        how = f"auto: up to {AUTO_MAX} per group on {device}"
        sizes = {key: AUTO_MAX for key in buckets}
    else:
        sizes = {
            key: calibrate(bucket, registry, device) if exact(bucket[0], registry) else 1
            for key, bucket in buckets.items()
        }
        how = "auto: group sizes measured on this CPU"
    groups: list[list[Trial]] = []
    total = sum(step_cost(t) for t in trials) or 1
    for key, bucket in buckets.items():
        n_chunks = math.ceil(len(bucket) / max(1, sizes[key]))
        if jobs > 1:  # no group larger than half a job's share of the work, so that the jobs stay balanced
            work = sum(step_cost(t) for t in bucket)
            n_chunks = min(len(bucket), max(n_chunks, math.ceil(work / (total / (2 * jobs)))))
        groups += [list(chunk) for chunk in _split(bucket, n_chunks)]
    groups.sort(key=lambda g: -sum(step_cost(t) for t in g))
    return Plan(groups, how)


def _split(items: list[Trial], n: int) -> list[list[Trial]]:
    """``items`` in ``n`` consecutive chunks of nearly equal size."""
    n = max(1, min(n, len(items)))
    q, r = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + q + (i < r)
        out.append(items[start:end])
        start = end
    return out


def exact(trial: Trial, registry: Registry) -> bool:
    """Do the trial's networks offer a batched pass (``forward_stacked``)? Such a pass (the
    MLP's) gives each member the same arithmetic whatever the group, so grouping changes no
    number; ``vmap`` over other modules (convolutions) rounds differently with the group size."""
    parts = trial.instantiate(registry)
    with torch.random.fork_rng(devices=[]):
        nets = build_networks(parts.model, parts.dataset, parts.hyper.pack)
    return all(hasattr(net, "forward_stacked") for net in nets)


_CALIBRATED: dict[str, int] = {}


def calibrate(bucket: list[Trial], registry: Registry, device: str, seconds: float = 0.1) -> int:
    """The group size among :data:`CPU_CANDIDATES` (at most the bucket's size) with the most
    trial-steps per second on this machine, measured on throwaway copies of one of the
    bucket's trials; 1 unless vectorising beats training alone by :data:`CPU_MARGIN`."""
    key = group_key(bucket[0], registry)
    if key in _CALIBRATED:
        return _CALIBRATED[key]
    candidates = sorted({min(k, len(bucket)) for k in CPU_CANDIDATES})
    chosen = 1
    for trial in bucket[:3]:  # a trial whose plugin raises cannot be timed: try the next one
        try:  # the candidates in turn, twice, so that each sees the same load on a shared machine
            rounds = [{k: measure_rate(_copies(trial, k), registry, device, seconds) for k in candidates}]
            rounds += [{k: measure_rate(_copies(trial, k), registry, device, seconds) for k in candidates}]
        except Exception:
            continue
        rates = {k: max(r[k] for r in rounds) for k in candidates}  # the better round: less disturbed
        best = max(rates, key=lambda k: rates[k])
        chosen = best if rates[best] >= CPU_MARGIN * rates[1] else 1
        break
    _CALIBRATED[key] = chosen
    return chosen


def _copies(trial: Trial, k: int) -> list[Trial]:
    """``k`` copies of ``trial`` with seeds 0..k-1: what a group of k such trials costs."""
    return [dataclasses.replace(trial, seed=seed) for seed in range(k)]


def throwaway_group(trials: Sequence[Trial], registry: Registry, device: str) -> Group:
    """``trials`` as one group at step 0 that writes nothing (for measuring)."""
    nowhere = TrialDir(Path("/nonexistent"))
    members = [Member(t, t.instantiate(registry), nowhere) for t in trials]
    return Group.concat([checkpoint.fresh_group(m, device, torch.float32) for m in members])


def measure_rate(trials: Sequence[Trial], registry: Registry, device: str, seconds: float, min_steps: int = 2) -> float:
    """Trial-steps per second of training ``trials`` as one group (nothing is written),
    over at least ``seconds`` and ``min_steps`` steps after one warm-up step."""
    keep_freed_memory()
    with torch.random.fork_rng(devices=[]):
        group = throwaway_group(trials, registry, device)
        group.train_step()  # warm up
        steps, start = 0, time.perf_counter()
        while steps < min_steps or time.perf_counter() - start < seconds:
            group.train_step()
            steps += 1
        if device.startswith("cuda"):
            torch.cuda.synchronize()
    return len(trials) * steps / (time.perf_counter() - start)
