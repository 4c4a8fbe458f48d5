"""Built-in metrics, registered through the public hooks."""

from ganbench.metrics.base import MAX, MIN, Metric

__all__ = ["MAX", "MIN", "Metric"]
