"""The pytest plugin of the contract kit (the ``pytest11`` entry point ``ganbench``).

It gives every test of a project where ganbench is installed two fixtures:

- ``ganbench_registry``: every plugin loaded (built-ins and installed entry points); a plugin
  that fails, has a component refused, or has a hook that is never called fails the test
  that asks for it, with the reasons;
- ``ganbench_devices``: the accelerators the checks compare against the CPU.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def ganbench_registry() -> Any:
    """The registry ``ganbench`` commands see (without a plugins directory)."""
    from ganbench.plugins import load_plugins

    registry = load_plugins()
    problems = registry.problems()
    if problems:
        pytest.fail("ganbench plugin problems:\n" + "\n".join(problems), pytrace=False)
    return registry


@pytest.fixture(scope="session")
def ganbench_devices() -> list[str]:
    """'cuda' and 'mps' where available: the devices the checks compare against the CPU."""
    from ganbench.testing import available_devices

    return available_devices()
