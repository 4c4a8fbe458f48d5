"""The vectorised trainer: K trials train as one batched program; one trial is K = 1.

It builds on :mod:`ganbench.stacking` (stacked networks, stacked Adam, each member's random
draws, the critic update of K members). Modules: :mod:`.group` (one training step of a
group), :mod:`.member` (one trial in a group, and its state), :mod:`.evaluate`,
:mod:`.checkpoint`, :mod:`.record` (evaluations and checkpoints at a boundary),
:mod:`.outcomes` (how a member's attempt ends), :mod:`.engine` (a group trained to the
end), :mod:`.grouping` (which trials of a suite train together), :mod:`.signals` (Ctrl-C,
the worker's registry), :mod:`.memory` (freed CPU memory kept for reuse).
"""

from ganbench.training.engine import run_group, train_trials
from ganbench.training.outcomes import EngineOptions

__all__ = ["EngineOptions", "run_group", "train_trials"]
