"""What became of a trial: one vocabulary for the trainer, the results store, reports and ``compare``."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    """What became of a trial. The first five are states a results directory records
    (see :func:`ganbench.results.reader.trial_status`); the last three are outcomes of one
    attempt to run it, reported by the runner and never stored."""

    COMPLETE = "complete"
    DIVERGED = "diverged"
    ERROR = "error"
    UNFINISHED = "unfinished"  # a directory without a final state: running, interrupted or killed
    MISSING = "missing"  # listed in suite.json, no directory yet
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C after writing a checkpoint
    SKIPPED = "skipped"  # already complete
    LOCKED = "locked"  # another runner is training it

    @property
    def is_final(self) -> bool:
        """Complete, diverged or error: the trial has a final record."""
        return self in FINAL


FINAL = (Status.COMPLETE, Status.DIVERGED, Status.ERROR)
#: every state a results directory can show, in the order reports count them
STORED = (*FINAL, Status.UNFINISHED, Status.MISSING)
