"""The vectorised trainer: K trials train as one batched program; one trial is K = 1.

Modules: :mod:`.stacked` (networks with stacked parameters), :mod:`.adam` (Adam for K
members), :mod:`.draws` (each member's random stream), :mod:`.group` (one training step of
a group), :mod:`.member` (one trial in a group), :mod:`.evaluate`, :mod:`.checkpoint`,
:mod:`.record` (evaluations and checkpoints at a boundary), :mod:`.outcomes` (how a
member's attempt ends), :mod:`.run` (a group trained to the end), :mod:`.grouping`
(which trials of a suite train together), :mod:`.signals` (Ctrl-C, worker setup),
:mod:`.memory` (freed CPU memory kept for reuse).
"""

from ganbench.training.outcomes import EngineOptions
from ganbench.training.run import run_group, train_trials

__all__ = ["EngineOptions", "run_group", "train_trials"]
