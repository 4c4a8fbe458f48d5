"""Reports and comparisons (``ganbench/report/``): numbers, statistics, figures, formats."""
