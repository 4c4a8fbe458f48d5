"""Training a group of trials to the end: locks, resume, evaluation, checkpoints, outcomes.

:func:`run_group` is what executors run. Every trial keeps its own directory, lock,
checkpoints and final record, exactly as when it trains alone:

* a trial whose losses or parameters become NaN/Inf is *diverged* at the evaluation that
  finds it and leaves the group; the others go on unchanged;
* a plugin that raises fails only the members it was computing for (*error*, with
  ``error.txt``); the others restart from their last checkpoints, which reproduces
  exactly what they would have computed;
* members resumed from checkpoints at different steps train in step order, each joining
  the group when the group reaches its step;
* Ctrl-C stops at the next step boundary after writing every member's checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

import torch

from ganbench.io import TrialLock
from ganbench.registry import Registry
from ganbench.results import TrialDir
from ganbench.stacking.losses import MemberFailure
from ganbench.status import Status
from ganbench.training import checkpoint
from ganbench.training.group import Group
from ganbench.training.grouping import check_one_group
from ganbench.training.member import Member, State
from ganbench.training.memory import keep_freed_memory
from ganbench.training.outcomes import EngineOptions, Outcomes, Result, write_failure
from ganbench.training.record import Recorder
from ganbench.training.signals import STOP, WORKER, stop_on_sigint
from ganbench.training.trackers import Trackers
from ganbench.trial import Parts, Trial


def run_group(
    trials: Sequence[Trial], paths: Sequence[str], device: str, options: EngineOptions | None = None
) -> list[Result]:
    """Run (or resume) ``trials`` as one vectorised group, each in its directory ``paths[i]``,
    with the registry of this worker (see :mod:`ganbench.training.signals`). Never raises
    for a failing trial: returns one result per trial, ``{"status": Status, "message": ...,
    "final": ..., "logs": [...]}``."""
    return train_trials(trials, paths, device, WORKER["registry"], options or EngineOptions())


def train_trials(
    trials: Sequence[Trial], paths: Sequence[str], device: str, registry: Registry, options: EngineOptions
) -> list[Result]:
    """:func:`run_group` with a given registry. Raises ValueError, before anything is written,
    if the trials cannot train as one group (see :func:`~ganbench.training.grouping.group_key`)."""
    made = [_make(trial, registry) for trial in trials]
    check_one_group(trials, [parts if isinstance(parts, Parts) else None for parts in made])
    outcomes = Outcomes(device, options, Trackers(options.loggers, registry, options.log_dir))
    keep_freed_memory()
    results: list[Result | None] = [None] * len(trials)
    with contextlib.ExitStack() as locks:
        members: list[tuple[int, Member]] = []
        for i, (trial, path, parts) in enumerate(zip(trials, paths, made, strict=True)):
            td = TrialDir(Path(path))
            if td.is_done():
                results[i] = {"status": Status.SKIPPED, "message": "already complete"}
                continue
            td.path.mkdir(parents=True, exist_ok=True)
            if not locks.enter_context(TrialLock(td.path)).acquired:
                results[i] = {"status": Status.LOCKED, "message": "another ganbench run is training it"}
                continue
            if td.is_done():
                results[i] = {"status": Status.SKIPPED, "message": "already complete"}
                continue
            _clean(td)
            td.write_config(trial.to_json())
            if isinstance(parts, _Unmade):
                results[i] = write_failure(td, device, parts.error, parts.trace, [], outcomes.environment(1))
                continue
            members.append((i, Member(trial, parts, td)))
        overlap = options.overlap if options.overlap is not None else device != "cpu"
        outcomes.trackers.start([m for _, m in members])
        try:
            with stop_on_sigint():
                _Trainer(device, options.dtype, outcomes, overlap, options.metric_threads).train(
                    [m for _, m in members]
                )
        finally:
            outcomes.trackers.close()
        for i, m in members:
            results[i] = outcomes.results[m]
    return [r for r in results if r is not None]


@dataclasses.dataclass(frozen=True)
class _Unmade:
    """A trial whose components could not be made: the error, and its traceback."""

    error: Exception
    trace: str


def _make(trial: Trial, registry: Registry) -> Parts | _Unmade:
    """The trial's components, or why they could not be made (a failure of this trial alone)."""
    try:
        return trial.instantiate(registry)
    except Exception as exc:
        return _Unmade(exc, traceback.format_exc())


def _clean(td: TrialDir) -> None:
    """Remove what an earlier, unfinished attempt may have left: temporary files of a
    killed write, and the error record of a failed attempt (this one supersedes it)."""
    for tmp in [*td.path.glob(".*.tmp"), *td.samples_dir.glob(".*.tmp")]:
        tmp.unlink(missing_ok=True)
    td.error_file.unlink(missing_ok=True)
    td.final_file.unlink(missing_ok=True)


class _Trainer:
    """Trains a list of members (possibly resumed at different steps) to their end."""

    def __init__(
        self, device: str, dtype: torch.dtype, outcomes: Outcomes, overlap: bool, metric_threads: int = 1
    ) -> None:
        self.device, self.dtype = device, dtype
        self.outcomes = outcomes
        self.overlap = overlap
        self.metric_threads = metric_threads
        self.sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def train(self, members: list[Member]) -> None:
        """Train ``members`` to their ends; after a failure, the others again from their checkpoints."""
        pending = members
        while pending:
            recorder = Recorder(self.outcomes, self.overlap, self.metric_threads)
            try:
                self._attempt(pending, recorder)
            except _GroupFailure as failure:
                recorder.close()  # the boundary work in flight, then restart from the checkpoints
                names = ", ".join(m.name for m in failure.members)
                for m in failure.members:
                    self.outcomes.fail(m, failure.error, failure.trace, failure.group_size)
                pending = [m for m in pending if m.state is State.TRAINING]
                for m in pending:
                    m.logs.append(f"{m.name}: restarting from its last checkpoint (trained with {names}, which failed)")
                continue
            finally:
                recorder.close()
            break

    def _attempt(self, members: list[Member], recorder: Recorder) -> None:
        """Resume every member, then train in step order: the group starts with the members
        furthest behind, and each other member joins when the group reaches its step."""
        waiting = sorted((checkpoint.resume(m, self.device, self.dtype) for m in members), key=lambda g: g.step)
        group: Group | None = None
        while group is not None or waiting:
            step = group.step if group is not None else waiting[0].step
            joining = [g for g in waiting if g.step == step]
            if joining:
                waiting = [g for g in waiting if g.step != step]
                group = Group.concat(([group] if group is not None else []) + joining)
                fresh = {m for g in joining for m in g.members if not m.history}
                if fresh:  # evaluate the untrained networks, then checkpoint them
                    group = recorder.boundary(group, evaluate=True, save=True, only=fresh)
                    if group is None:
                        continue
            assert group is not None
            cfg = group.members[0].trial.train
            if group.step >= cfg.steps:
                finished = recorder.collect(group)
                if finished is not None:
                    for m in finished.members:
                        self.outcomes.complete(m, cfg.steps, len(finished))
                group = None
                continue
            every = cfg.checkpoint_every or cfg.eval_every
            next_eval = min(cfg.steps, (group.step // cfg.eval_every + 1) * cfg.eval_every)
            next_ckpt = min(cfg.steps, (group.step // every + 1) * every)
            self._advance(group, min(next_eval, next_ckpt, waiting[0].step if waiting else cfg.steps))
            evaluate = group.step == next_eval
            save = group.step in (next_ckpt, cfg.steps) or STOP.requested
            if evaluate or save:
                group = recorder.boundary(group, evaluate, save)
            if STOP.requested:
                group = recorder.collect(group)
                for m in [*(group.members if group is not None else []), *(m for g in waiting for m in g.members)]:
                    self.outcomes.interrupt(m, group.step if group is not None else step)
                return

    def _advance(self, group: Group, stop: int) -> None:
        """Train ``group`` to step ``stop`` (or a requested stop); charge each member its share."""
        t0 = time.perf_counter()
        try:
            while group.step < stop and not STOP.requested:
                group.train_step()
        except MemberFailure as failure:
            raise _GroupFailure(group.members[failure.members], failure, len(group)) from failure.error
        self.sync()
        share = (time.perf_counter() - t0) / len(group)
        for m in group.members:
            m.charge(train=share, wall=share)


class _GroupFailure(Exception):
    def __init__(self, members: list[Member], failure: MemberFailure, group_size: int) -> None:
        super().__init__(str(failure))
        self.members = members
        self.group_size = group_size
        self.error = failure.error
        self.trace = failure.traceback
