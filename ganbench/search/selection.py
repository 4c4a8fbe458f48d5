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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ganbench.results.files import TrialDir
from ganbench.results.reader import trial_status
from ganbench.status import Status

State = Literal["scored", "diverged", "failed", "pending"]


@dataclasses.dataclass(frozen=True)
class Score:
    state: State
    value: float | None = None


def trial_value(
    history: Sequence[Mapping[str, Any]], final: Mapping[str, Any], output: str, at: str, best: Any
) -> float:
    """The selection value of one complete trial: its final value of ``output``, or the best
    (``best`` is min or max) over its evaluations."""
    if at == "final":
        return float(final.get("metrics", {}).get(output, math.nan))
    values = [float(r[output]) for r in history if output in r and r[output] is not None]
    finite = [v for v in values if math.isfinite(v)]
    return float(best(finite)) if finite else math.nan


def score(suite_dir: Path, trial_ids: Sequence[str], output: str, at: str, direction: str) -> Score:
    """The score of one configuration from its search-seed trials ``trial_ids``."""
    best = min if direction == "min" else max
    values = []
    states = []
    for tid in trial_ids:
        td = TrialDir(Path(suite_dir) / tid)
        status, final = trial_status(td) if td.path.is_dir() else (Status.MISSING, {})
        states.append(status)
        if status is Status.COMPLETE:
            values.append(trial_value(td.read_history(), final, output, at, best))
    if Status.ERROR in states:
        return Score("failed")
    if Status.DIVERGED in states:
        return Score("diverged")
    if any(s is not Status.COMPLETE for s in states):
        return Score("pending")
    if not values or not all(math.isfinite(v) for v in values):
        return Score("failed")
    return Score("scored", sum(values) / len(values))


def select(scores: Sequence[Score], direction: str) -> int | None:
    """The index of the best scored configuration (lowest index on a tie), None if none scored."""
    scored = [(i, s.value) for i, s in enumerate(scores) if s.state == "scored" and s.value is not None]
    if not scored:
        return None
    sign = 1.0 if direction == "min" else -1.0
    return min(scored, key=lambda item: (sign * item[1], item[0]))[0]
