"""ganbench: a benchmark suite for GAN training objectives."""

from __future__ import annotations

import importlib
import typing

from ganbench.components import Component, param
from ganbench.hookspecs import hookimpl
from ganbench.version import __version__

if typing.TYPE_CHECKING:
    from ganbench.datasets.base import Dataset, GaussianMixture
    from ganbench.executors import Executor
    from ganbench.loggers.base import LoggedTrial, Logger
    from ganbench.metrics.base import MAX, MIN, Coverage, Metric
    from ganbench.models.base import Model
    from ganbench.objectives.base import Hyper, Objective, Penalty, mean, per_sample_grad_norm, per_sample_grad_sqnorm

#: the public API that needs torch, imported on first access (PEP 562): `ganbench --version` stays quick
_LAZY = {
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
    "__version__",
    "hookimpl",
    "mean",
    "param",
    "per_sample_grad_norm",
    "per_sample_grad_sqnorm",
]
