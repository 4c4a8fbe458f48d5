"""``ganbench status RESULTS_DIR``: where a running or finished suite stands, from another terminal.

It reads the results store only (:mod:`ganbench.results.progress`): it never takes a trial's
lock, so a run going on meanwhile is neither blocked nor changed.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ganbench.cli.common import EXIT_OK
from ganbench.text import plural

if TYPE_CHECKING:
    from ganbench.results.progress import SuiteProgress, TrialState


def cmd_status(args: argparse.Namespace) -> int:
    from ganbench.results.progress import progress_of

    for i, suite in enumerate(progress_of(args.results)):
        if i:
            print()
        for line in describe(suite):
            print(line)
    return EXIT_OK


def duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '2 h 05 min'."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def describe(suite: SuiteProgress) -> list[str]:
    """The lines ``ganbench status`` prints for one suite."""
    from ganbench.results.progress import INTERRUPTED, RUNNING, STATES

    counts = suite.counts()
    lines = [f"suite '{suite.name}' ({suite.path})"]
    if suite.search is not None:
        lines += _search_lines(suite)
    lines.append("trials: " + ", ".join(f"{counts[s]} {s}" for s in STATES) + f" ({sum(counts.values())} listed)")
    if suite.others:
        lines.append(f"  not counted: {plural(suite.others, 'trial')} of earlier versions of the suite")
    for state in (RUNNING, INTERRUPTED):
        trials = suite.with_state(state)
        if trials:
            lines.append(f"{state}:" if state == RUNNING else f"{state} (no process holds its lock; a rerun resumes):")
            lines += [f"  {_evaluation(t)}" for t in trials]
    lines += _estimate_lines(suite, counts[RUNNING])
    return lines


def _evaluation(t: TrialState) -> str:
    total = f" of {t.steps}" if t.steps else ""
    if t.step is None:
        return f"{t.name}: no evaluation yet ({t.steps or '?'} steps to train)"
    share = f" ({100 * t.step / t.steps:.0f}%)" if t.steps else ""
    values = ", ".join(f"{k} {v:.4g}" for k, v in t.values.items())
    return f"{t.name}: step {t.step}{total}{share}" + (f": {values}" if values else "")


def _search_lines(suite: SuiteProgress) -> list[str]:
    assert suite.search is not None
    stage = suite.search
    c = stage.configurations
    configurations = (
        f"configurations: {c['done']} done, {c['diverged']} diverged, {c['failed']} failed, {c['pending']} pending"
        f" ({stage.proposed} of {stage.budget} proposed)"
    )
    if stage.phase == 1:
        return [
            "search: phase 1 of 2 (every configuration on the search seeds)",
            f"  {configurations}",
            f"  phase 2: at most {plural(stage.report_at_most or 0, 'report trial')} (the selection and the defaults "
            "on the report seeds), listed nowhere before the selection, so not counted below",
        ]
    return [
        "search: phase 2 of 2 (the selected configuration and the defaults on the report seeds)",
        f"  phase 1 {configurations}",
    ]


def _estimate_lines(suite: SuiteProgress, running: int) -> list[str]:
    estimate = suite.estimate()
    if estimate is None:
        if suite.trials and all(t.state in ("complete", "diverged", "failed") for t in suite.trials):
            return ["time left: none, every listed trial has finished"]
        unknown = "not known until a trial has finished or evaluated"
        return [f"time left: {unknown}" if running else f"time left: nothing is running; a rerun's time is {unknown}"]
    if estimate.trials_left == 0:
        return ["time left: none, every trial has finished"]
    how = (
        f"  (machine time left ÷ {plural(estimate.jobs, 'job')} ({estimate.jobs_from}): running and interrupted "
        f"trials' remaining steps at their own rate so far, {duration(estimate.per_trial)} per pending trial, "
        f"{estimate.per_trial_from})"
    )
    left = f"about {duration(estimate.seconds)} for {plural(estimate.trials_left, 'trial')}"
    if running:
        return [f"time left: {left}", how]
    return [f"time left: nothing is running; a rerun would take {left}", how]
