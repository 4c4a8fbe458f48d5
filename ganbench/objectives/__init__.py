"""Built-in objectives and critic regularisers, registered through the public hooks."""

from ganbench.objectives.base import Hyper, Objective, Penalty

__all__ = ["Hyper", "Objective", "Penalty"]
