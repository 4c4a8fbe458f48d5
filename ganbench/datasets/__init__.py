"""Built-in datasets, registered through the public hooks."""

from ganbench.datasets.base import Dataset, GaussianMixture

__all__ = ["Dataset", "GaussianMixture"]
