"""The vectorised trainer (``ganbench/training/``): grouping, wiring, learning, memory, mutations."""
