"""ganbench: a benchmark suite for GAN training objectives."""

from __future__ import annotations

__version__ = "0.1.0"

from ganbench.components import Component, param  # noqa: E402
from ganbench.datasets.base import Dataset, GaussianMixture  # noqa: E402
from ganbench.executors import Executor  # noqa: E402
from ganbench.hookspecs import hookimpl  # noqa: E402
from ganbench.metrics.base import MAX, MIN, Metric  # noqa: E402
from ganbench.models.base import Model  # noqa: E402
from ganbench.objectives.base import Hyper, Objective, Penalty, mean, per_sample_grad_norm  # noqa: E402

__all__ = [
    "MAX",
    "MIN",
    "Component",
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
]
