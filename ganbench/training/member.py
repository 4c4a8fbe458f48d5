"""One trial inside a vectorised group: its components, its history and its clock.

A member's time is accounted as its share of the group's: while K members train
together, each is charged 1/K of the elapsed seconds. ``train_time`` and ``wall_time``
then add up, over a suite, to the machine time it used, and ``steps_per_s`` is what one
trial cost, whether it trained alone or with others.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from ganbench.results import TrialDir
from ganbench.trial import Parts, Trial


class State(enum.Enum):
    """Where a member's attempt stands: it trains until it leaves the group in one of the others."""

    TRAINING = "training"
    DIVERGED = "diverged"  # a loss, a parameter or its samples stopped being finite
    FAILED = "failed"  # a plugin raised while computing for it
    DONE = "done"  # it reached its last step
    INTERRUPTED = "interrupted"  # a requested stop; its checkpoint is written


@dataclasses.dataclass(eq=False)
class Member:
    """A trial in a group. Compared and hashed by identity: a member is its own key."""

    trial: Trial
    parts: Parts
    td: TrialDir
    state: State = State.TRAINING
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    train_time: float = 0.0  # seconds of training charged to this trial, over every attempt
    wall_time: float = 0.0  # seconds of training, evaluation and checkpoints charged to it
    window_start: int = 0  # step of the last evaluation
    window_time: float = 0.0  # training seconds since then
    logs: list[str] = dataclasses.field(default_factory=list)

    @property
    def name(self) -> str:
        return self.td.path.name

    def charge(self, train: float, wall: float) -> None:
        self.train_time += train
        self.window_time += train
        self.wall_time += wall
