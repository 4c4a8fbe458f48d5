"""The results store (``ganbench/results/``): reading old versions, mirrored trial directories."""
