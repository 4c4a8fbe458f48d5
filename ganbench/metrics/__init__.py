"""Built-in metrics, registered through the public hooks."""

from ganbench.metrics.base import MAX, MIN, Coverage, Metric

__all__ = ["MAX", "MIN", "Coverage", "Metric"]
