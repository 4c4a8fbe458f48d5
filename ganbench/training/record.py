"""What happens at a boundary of the schedule: evaluations and checkpoints of a group.

At an evaluation, a member whose losses or parameters are no longer finite leaves the
group as diverged; the others' samples and estimates come from one pass of the stacked
networks, and their loss sums and timing windows restart. That much happens at once.
The rest (the metrics, the history record, the sample snapshot, the checkpoint) runs
either right away or, with ``overlap``, in a background thread while the group trains on
to its next boundary, where it is collected: a member whose samples were not finite or
whose metric raised then leaves the group. One boundary's work is in flight at a time,
and a member's history is only read once its work is collected. With ``metric_threads``
above one, the members' metrics of one boundary are computed that many at once (each
member's are independent of the others'; results are taken in member order).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import time
from typing import Any

import numpy as np

from ganbench.errors import TrialDiverged
from ganbench.stacking.losses import MemberFailure
from ganbench.training import checkpoint
from ganbench.training.evaluate import Sampled, measure, sample
from ganbench.training.group import Group
from ganbench.training.member import Member, State
from ganbench.training.outcomes import Outcomes


@dataclasses.dataclass
class _Entry:
    member: Member
    sampled: Sampled | None = None  # evaluated at this boundary
    record: dict[str, Any] | None = None  # the history record so far (no metrics yet)
    state: dict[str, Any] | None = None  # the checkpoint, captured (no history yet)


@dataclasses.dataclass
class _Job:
    step: int
    group_size: int
    entries: list[_Entry]
    started: float


def remaining(group: Group | None) -> Group | None:
    """``group`` without the members that left it (diverged, failed or done); None if none remain."""
    if group is None:
        return None
    keep = [k for k, m in enumerate(group.members) if m.state is State.TRAINING]
    if len(keep) == len(group):
        return group
    return group.select(keep) if keep else None


class Recorder:
    def __init__(self, outcomes: Outcomes, overlap: bool, metric_threads: int = 1) -> None:
        self.outcomes = outcomes
        self.pool = cf.ThreadPoolExecutor(1, thread_name_prefix="ganbench-metrics") if overlap else None
        self.measuring = (
            cf.ThreadPoolExecutor(metric_threads, thread_name_prefix="ganbench-measure") if metric_threads > 1 else None
        )
        self.inflight: cf.Future[None] | None = None

    def close(self) -> None:
        self.collect(None)
        for pool in (self.pool, self.measuring):
            if pool is not None:
                pool.shutdown()

    def collect(self, group: Group | None) -> Group | None:
        """Wait for the boundary work in flight; its leaving members leave ``group``."""
        if self.inflight is None:
            return group
        future, self.inflight = self.inflight, None
        future.result()
        return remaining(group)

    def boundary(self, group: Group, evaluate: bool, save: bool, only: set[Member] | None = None) -> Group | None:
        """Evaluate (``evaluate``) and/or checkpoint (``save``) the members of ``group`` (those
        in ``only``, default all) at its step. Returns the group of members remaining."""
        kept = self.collect(group)
        if kept is None:
            return None
        group, t0 = kept, time.perf_counter()
        entries = [_Entry(m) for m in group.members if only is None or m in only]
        if evaluate:
            evaluated = self._evaluate(group, entries)
            if evaluated is None:
                return None
            group, entries = evaluated, [e for e in entries if e.sampled is not None]
        if save:
            self._capture(group, entries)
        return self._finish(group, _Job(group.step, len(group), entries, t0))

    # ------------------------------------------------------------ at the boundary itself

    def _evaluate(self, group: Group, entries: list[_Entry]) -> Group | None:
        """Check, sample and open the records of ``entries``' members; those whose losses or
        parameters are not finite, or whose estimate raised, leave. Returns the group remaining."""
        size, step = len(group), group.step
        finite = dict(zip(group.members, group.finite(), strict=True))
        for e in entries:
            if not finite[e.member]:
                self.outcomes.diverge(e.member, TrialDiverged(step, "a loss or a parameter"), size)
        by_member = {e.member: e for e in entries}
        for s in self._sample(group, [e.member for e in entries if finite[e.member]], size):
            by_member[s.member].sampled = s
        kept = remaining(group)
        if kept is not None:
            self._open_records(kept, [e for e in entries if e.sampled is not None])
        return kept

    def _sample(self, group: Group, chosen: list[Member], size: int) -> list[Sampled]:
        """Samples of the ``chosen`` members; an estimate that raises fails its members only."""
        while chosen:
            index = [k for k, m in enumerate(group.members) if m in chosen]
            try:
                return sample(group if len(index) == len(group) else group.select(index), group.step)
            except MemberFailure as failure:
                failed = chosen[failure.members]
                for m in failed:
                    self.outcomes.fail(m, failure.error, failure.traceback, size)
                chosen = [m for m in chosen if m not in failed]
        return []

    def _open_records(self, group: Group, entries: list[_Entry]) -> None:
        """Each evaluated member's record without its metrics; its loss sums and window restart."""
        step = group.step
        sums = group.sums.detach().cpu()
        index = {m: k for k, m in enumerate(group.members)}
        for entry in entries:
            m, k = entry.member, index[entry.member]
            n = step - m.window_start
            rate = step / m.train_time if step and m.train_time > 0 else float("nan")
            entry.record = {
                "step": step,
                "loss_d": float(sums[k, 0]) / n if n else float("nan"),
                "loss_g": float(sums[k, 1]) / n if n else float("nan"),
                "steps_per_s": rate,
                "samples_per_s": rate * group.batch * group.pack * (group.n_critic + 1),
                "window_steps_per_s": n / m.window_time if n and m.window_time > 0 else float("nan"),
                "train_time": m.train_time,
                "wall_time": m.wall_time,
            }
            m.window_start, m.window_time = step, 0.0
            group.sums[k].zero_()

    @staticmethod
    def _capture(group: Group, entries: list[_Entry]) -> None:
        """Each entry's checkpoint state, as it is now."""
        index = {m: k for k, m in enumerate(group.members)}
        for entry in entries:
            entry.state = checkpoint.capture(group, index[entry.member])

    def _finish(self, group: Group, job: _Job) -> Group | None:
        """Complete ``job`` now, or (``overlap``) in the background, charging its members the
        time the boundary took so far."""
        if self.pool is None:
            self._complete(job)
            return remaining(group)
        self.inflight = self.pool.submit(self._complete, job)
        share = (time.perf_counter() - job.started) / max(1, len(job.entries))
        for entry in job.entries:
            entry.member.wall_time += share
        return group

    # ------------------------------------------------------------ now or in the background

    def _measure(self, entries: list[_Entry]) -> list[dict[str, float] | MemberFailure]:
        """Each entry's metrics, or the failure of one of them, in the entries' order."""

        def one(entry: _Entry) -> dict[str, float] | MemberFailure:
            assert entry.sampled is not None
            try:
                return measure(entry.sampled)
            except MemberFailure as failure:
                return failure

        if self.measuring is None or len(entries) < 2:
            return [one(e) for e in entries]
        return list(self.measuring.map(one, entries))

    def _complete(self, job: _Job) -> None:
        """Metrics, then the history, samples and checkpoints of one boundary; a member whose
        samples are not finite, or whose metric raised, leaves (its state says so)."""
        values: dict[Member, dict[str, float]] = {}
        todo: list[_Entry] = []
        for entry in job.entries:
            if entry.sampled is None:
                continue
            if not entry.sampled.finite:
                self.outcomes.diverge(entry.member, TrialDiverged(job.step, "generated samples"), job.group_size)
                continue
            todo.append(entry)
        for entry, measured in zip(todo, self._measure(todo), strict=True):
            if isinstance(measured, MemberFailure):
                self.outcomes.fail(entry.member, measured.error, measured.traceback, job.group_size)
            else:
                values[entry.member] = measured
        if self.pool is None:  # done in line: the members' clocks include this work
            share = (time.perf_counter() - job.started) / max(1, len(job.entries))
            for entry in job.entries:
                entry.member.wall_time += share
                for part in (entry.record, entry.state):
                    if part is not None:
                        part["wall_time"] = entry.member.wall_time
        for entry in job.entries:
            if entry.member.state is State.TRAINING:
                self._save(job.step, entry, values.get(entry.member))

    def _save(self, step: int, entry: _Entry, values: dict[str, float] | None) -> None:
        """Write a member's history record and sample snapshot (if evaluated), then its checkpoint (if captured)."""
        m = entry.member
        if entry.sampled is not None and entry.record is not None:
            assert values is not None
            m.history.append({**entry.record, **values})
            m.td.write_history(m.history)
            snapshot = m.trial.train.snapshot_samples
            samples = entry.sampled.fake[:snapshot].numpy().astype(np.float32) if snapshot else None
            if samples is not None:
                m.td.write_samples(step, samples)
                samples.setflags(write=False)  # what the loggers see is what was written
            self.outcomes.trackers.evaluation(m, step, m.history[-1], samples)
        if entry.state is not None:
            checkpoint.write(m, entry.state)
            if self.outcomes.options.on_checkpoint is not None:
                self.outcomes.options.on_checkpoint(m.td)
