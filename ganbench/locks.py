"""The trial lock's old home: it lives in :mod:`ganbench.io` now, with every other file lock.

Only a re-export, kept while importers still name this module."""

from ganbench.io import TrialLock

__all__ = ["TrialLock"]
