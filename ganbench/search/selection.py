"""Scoring a configuration from its search-seed trials, and choosing one per objective.

The rule (recorded in ``search.json``): a configuration's score is the mean, over the
search seeds, of the selection output at the trial's final evaluation (``at = "final"``,
the default) or at its best evaluation (``at = "best"``). The final value is the default
because it is what training with that configuration delivers and what the report seeds
are judged by; the best value over training is a maximum over noisy evaluations, biased
towards configurations that oscillate, and no one stops training at it. A configuration
with a search-seed trial that diverged or failed is not a candidate. The best score by the
metric's declared direction wins; a tie goes to the lower index (the defaults first).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from ganbench.results.files import TrialDir
from ganbench.results.reader import TrialResult, read_trial
from ganbench.status import Status

State = Literal["scored", "diverged", "failed", "pending"]


@dataclasses.dataclass(frozen=True)
class Score:
    state: State
    value: float | None = None


def trial_value(trial: TrialResult, output: str, at: str, direction: str) -> float:
    """The selection value of one complete trial: its final value of ``output``, or with ``at``
    "best" the best value over its evaluations (the final one when its history has none)."""
    if at == "best":
        values = [float(r[output]) for r in trial.history if isinstance(r.get(output), int | float)]
        finite = [v for v in values if math.isfinite(v)]
        if finite:
            return max(finite) if direction == "max" else min(finite)
    return trial.value(output)


def score_trials(trials: Sequence[TrialResult], output: str, at: str, direction: str) -> Score:
    """The score of one configuration from its search-seed trials (the rule above); the report
    recomputes scores from the trial files with this same function."""
    statuses = {t.status for t in trials}
    if Status.ERROR in statuses:
        return Score("failed")
    if Status.DIVERGED in statuses:
        return Score("diverged")
    if not trials or statuses != {Status.COMPLETE}:
        return Score("pending")
    values = [trial_value(t, output, at, direction) for t in trials]
    if not all(math.isfinite(v) for v in values):
        return Score("failed")
    return Score("scored", sum(values) / len(values))


def score(suite_dir: Path, trial_ids: Sequence[str], output: str, at: str, direction: str) -> Score:
    """The score of one configuration from its search-seed trials ``trial_ids`` in ``suite_dir``
    (pending while any of them has no readable directory yet)."""
    trials = [
        read_trial(TrialDir(Path(suite_dir) / tid)) or TrialResult(tid, "", "", None, Status.MISSING)
        for tid in trial_ids
    ]
    return score_trials(trials, output, at, direction)


def select(scores: Sequence[Score], direction: str) -> int | None:
    """The index of the best scored configuration (lowest index on a tie), None if none scored."""
    scored = [(i, s.value) for i, s in enumerate(scores) if s.state == "scored" and s.value is not None]
    if not scored:
        return None
    sign = 1.0 if direction == "min" else -1.0
    return min(scored, key=lambda item: (sign * item[1], item[0]))[0]
