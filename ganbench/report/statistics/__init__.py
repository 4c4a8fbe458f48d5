"""Statistics of a handful of seeds: intervals and the best-set rule, rank tests, two-sample tests."""
