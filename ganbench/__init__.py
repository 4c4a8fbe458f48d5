"""ganbench: a benchmark suite for GAN training objectives."""

from __future__ import annotations

__version__ = "0.1.0"

from ganbench.components import Component, param
from ganbench.datasets.base import Dataset, GaussianMixture
from ganbench.executors import Executor
from ganbench.hookspecs import hookimpl
from ganbench.metrics.base import MAX, MIN, Coverage, Metric
from ganbench.models.base import Model
from ganbench.objectives.base import Hyper, Objective, Penalty, mean, per_sample_grad_norm, per_sample_grad_sqnorm

__all__ = [
    "MAX",
    "MIN",
    "Component",
    "Coverage",
    "Dataset",
    "Executor",
    "GaussianMixture",
    "Hyper",
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
