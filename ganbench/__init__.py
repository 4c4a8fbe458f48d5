"""ganbench: a benchmark suite for GAN training objectives.

From Python (:mod:`ganbench.api`): ``load_suite``, ``run``, ``load_results``, ``report``,
``compare`` and ``load_plugins``; for plugin authors, the base classes and ``hookimpl``.
"""

from __future__ import annotations

import importlib
import sys
import types
import typing

import ganbench.report  # noqa: F401  (made callable below)
from ganbench.components import Component, param
from ganbench.hookspecs import hookimpl
from ganbench.version import __version__

if typing.TYPE_CHECKING:
    from ganbench.api import compare, load_plugins, load_results, load_suite, run
    from ganbench.datasets.base import Dataset, GaussianMixture
    from ganbench.executors import Executor
    from ganbench.loggers.base import LoggedTrial, Logger
    from ganbench.metrics.base import MAX, MIN, Coverage, Metric
    from ganbench.models.base import Model
    from ganbench.objectives.base import Hyper, Objective, Penalty, mean, per_sample_grad_norm, per_sample_grad_sqnorm
    from ganbench.results.collection import Results
    from ganbench.runner.progress import Progress
    from ganbench.runner.result import RunResult, TrialOutcome
    from ganbench.status import Status

#: the public API that needs torch, imported on first access (PEP 562): `ganbench --version` stays quick
_LAZY = {
    "compare": "ganbench.api",
    "load_plugins": "ganbench.api",
    "load_results": "ganbench.api",
    "load_suite": "ganbench.api",
    "run": "ganbench.api",
    "Progress": "ganbench.runner.progress",
    "Results": "ganbench.results.collection",
    "RunResult": "ganbench.runner.result",
    "TrialOutcome": "ganbench.runner.result",
    "Status": "ganbench.status",
    "Dataset": "ganbench.datasets.base",
    "GaussianMixture": "ganbench.datasets.base",
    "Executor": "ganbench.executors",
    "LoggedTrial": "ganbench.loggers.base",
    "Logger": "ganbench.loggers.base",
    "MAX": "ganbench.metrics.base",
    "MIN": "ganbench.metrics.base",
    "Coverage": "ganbench.metrics.base",
    "Metric": "ganbench.metrics.base",
    "Model": "ganbench.models.base",
    "Hyper": "ganbench.objectives.base",
    "Objective": "ganbench.objectives.base",
    "Penalty": "ganbench.objectives.base",
    "mean": "ganbench.objectives.base",
    "per_sample_grad_norm": "ganbench.objectives.base",
    "per_sample_grad_sqnorm": "ganbench.objectives.base",
}


class _ReportPackage(types.ModuleType):
    """``ganbench.report`` is the report package and, called, :func:`ganbench.api.report`: the
    function has the package's name, and importing any of its modules sets the attribute to the
    package, so the package itself is made callable."""

    def __call__(self, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        from ganbench.api import report

        return report(*args, **kwargs)


sys.modules["ganbench.report"].__class__ = _ReportPackage


def __getattr__(name: str) -> typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ganbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "MAX",
    "MIN",
    "Component",
    "Coverage",
    "Dataset",
    "Executor",
    "GaussianMixture",
    "Hyper",
    "LoggedTrial",
    "Logger",
    "Metric",
    "Model",
    "Objective",
    "Penalty",
    "Progress",
    "Results",
    "RunResult",
    "Status",
    "TrialOutcome",
    "__version__",
    "compare",
    "hookimpl",
    "load_plugins",
    "load_results",
    "load_suite",
    "mean",
    "param",
    "per_sample_grad_norm",
    "per_sample_grad_sqnorm",
    "report",
    "run",
]
