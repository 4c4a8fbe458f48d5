"""Executors: the process pool under injected faults, and Ray."""
