"""Objectives and penalties (``ganbench/objectives/``, ``ganbench/penalties.py``) against their mathematics."""
