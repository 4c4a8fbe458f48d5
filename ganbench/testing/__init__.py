"""The plugin contract kit: checks any plugin's own tests can run on its components.

    from ganbench.testing import check_objective

    def test_my_objective_keeps_the_contract():
        check_objective(MyObjective)

Each ``check_*`` function raises :class:`AssertionError`, with a message that names the
component and what failed, and returns nothing when the component keeps its contract.
ganbench's own built-in components are checked with these same functions. The kit is
also a pytest plugin (the ``pytest11`` entry point ``ganbench``), which gives every test
the ``ganbench_registry`` fixture (every installed plugin loaded; a plugin problem fails
the test) and ``ganbench_devices`` (the devices the checks compare against the CPU).
"""

from __future__ import annotations

from ganbench.testing.common import available_devices
from ganbench.testing.datasets import check_dataset
from ganbench.testing.loggers import check_logger
from ganbench.testing.metrics import check_metric
from ganbench.testing.models import check_model
from ganbench.testing.objectives import check_estimate, check_objective
from ganbench.testing.penalties import Draws, check_penalty

__all__ = [
    "Draws",
    "available_devices",
    "check_dataset",
    "check_estimate",
    "check_logger",
    "check_metric",
    "check_model",
    "check_objective",
    "check_penalty",
]
