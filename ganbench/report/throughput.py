"""Throughput like with like: how each trial was trained (alone, or with others as one
vectorised program) changes its steps per second several-fold, so a throughput cell
says how its trials were grouped, and a cell whose trials were grouped differently
shows each grouping apart rather than their mean. Each trial's final.json records its
group size (``environment.group_size``)."""

from __future__ import annotations

from collections.abc import Sequence

from ganbench.report.fmt import fixed, per_seed
from ganbench.report.rendering.document import Cell
from ganbench.report.statistics.describe import Summary
from ganbench.results.reader import TrialResult

#: throughput figures: they measure the machine (and what else ran on it), not the objective
TIMING = ("steps_per_s", "wall_time")
NOT_RECORDED = "grouping not recorded"


def group_size(trial: TrialResult) -> int | None:
    """How many trials trained together with ``trial`` as one program (itself included); None if not recorded."""
    env = trial.final.get("environment")
    size = env.get("group_size") if isinstance(env, dict) else None
    return int(size) if isinstance(size, int | float) else None


def grouping(size: int | None) -> str:
    """'trained alone', 'in groups of 4' or :data:`NOT_RECORDED`."""
    if size is None:
        return NOT_RECORDED
    return "trained alone" if size <= 1 else f"in groups of {size}"


def by_grouping(trials: Sequence[TrialResult]) -> dict[str, list[TrialResult]]:
    """The complete trials by their grouping, smallest groups first (not recorded last)."""
    complete = sorted(
        (t for t in trials if t.status == "complete"), key=lambda t: (group_size(t) is None, group_size(t) or 0)
    )
    out: dict[str, list[TrialResult]] = {}
    for t in complete:
        out.setdefault(grouping(group_size(t)), []).append(t)
    return out


def cell(parts: dict[str, Summary], d: int | None, best: bool, plain: Cell) -> Cell:
    """A throughput cell: ``plain`` (the cell of every trial) with its grouping beside the per-seed
    values when the trials share one grouping; else each grouping's mean (± sd) apart."""
    if len(parts) <= 1:
        label = next(iter(parts), "")
        return Cell(plain.text, plain.best, f"{plain.detail}; {label}" if plain.detail else label, plain.sort)
    text = "; ".join(
        f"{fixed(s.mean, d)}{f' ± {fixed(s.sd, d)}' if s.n > 1 else ''} ({label})" for label, s in parts.items()
    )
    detail = "; ".join(f"{label}: {per_seed(s.values.tolist(), d)}" for label, s in parts.items())
    return Cell(text, best, detail)
