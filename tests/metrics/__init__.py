"""Metrics (``ganbench/metrics/``): known answers, the feature cache, trained critics, summaries."""
