"""Reports read results through the results store's one reader (:mod:`ganbench.results.reader`)."""

from ganbench.results.reader import SuiteResults, is_suite_dir, load_results, load_suite_results
from ganbench.results.reader import TrialResult as Trial
from ganbench.status import FINAL, STORED

STATUSES = STORED

__all__ = ["FINAL", "STATUSES", "SuiteResults", "Trial", "is_suite_dir", "load_results", "load_suite_results"]
