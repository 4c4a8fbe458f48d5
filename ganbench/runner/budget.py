"""``ganbench run --steps N``: every trial of a suite trains N generator steps instead of the suite's.

The evaluation and checkpoint intervals are capped to N, so that a shorter run still evaluates;
the trials get their own ids (the steps are part of a trial's hash), so results of the suite's
own budget are never overwritten or mixed with them."""

from __future__ import annotations

import dataclasses

from ganbench.config import Train
from ganbench.suite import StepsOverride, Suite


def train_with_steps(train: Train, steps: int) -> Train:
    """``train`` with ``steps``, its evaluation and checkpoint intervals capped to them (0 stays 0)."""
    checkpoint = min(train.checkpoint_every, steps) if train.checkpoint_every else 0
    return dataclasses.replace(train, steps=steps, eval_every=min(train.eval_every, steps), checkpoint_every=checkpoint)


def with_steps(suite: Suite, steps: int | None) -> Suite:
    """``suite`` with every trial at ``steps`` (unchanged for None), the override recorded on it."""
    if steps is None or not suite.trials:
        return suite
    own = suite.trials[0].train.steps
    trials = [dataclasses.replace(t, train=train_with_steps(t.train, steps)) for t in suite.trials]
    return dataclasses.replace(suite, trials=trials, steps_override=StepsOverride(steps, own))
